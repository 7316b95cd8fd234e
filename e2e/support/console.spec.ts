import AxeBuilder from "@axe-core/playwright";
import { customerWorkspace } from "../fixtures/aws-cli";
import { createKeyWithStatements, PREFLIGHT_STATEMENT_ID, statementsOnly } from "../fixtures/customer-keys";
import { createCustomerOrganization, demoUsers, expect, signIn, test, withDatabase } from "../fixtures/portal";
import { createFromReview, fillKeyArns, startByokDraft, statements, waitForStatus } from "../fixtures/wizard";

test("support finds a failed Acme environment by key ARN, sees the KMS error, retries, and both timelines show it", async ({ browser }) => {
  test.setTimeout(180_000);
  // The customer's S3 key carries only the read-only statement: the key-ARN step can describe
  // it, S3 cannot use it, so provisioning fails at object storage.
  const customer = await (await browser.newContext()).newPage();
  const workspace = customerWorkspace();
  await signIn(customer, demoUsers.acme.email);
  await startByokDraft(customer, `Support ${Date.now().toString(36)}`);
  const s3KeyArn = await createKeyWithStatements(workspace, "eu-west-1", statementsOnly(await statements(customer, "S3 key statements"), [PREFLIGHT_STATEMENT_ID]));
  const rdsKeyArn = await createKeyWithStatements(workspace, "eu-west-1", await statements(customer, "Aurora (RDS) key statements"));
  await customer.getByRole("button", { name: "Next" }).click();
  await fillKeyArns(customer, s3KeyArn, rdsKeyArn);
  await customer.getByRole("button", { name: "Next" }).click();
  await createFromReview(customer);
  await waitForStatus(customer, "Failed");
  const environmentUrl = customer.url();

  const support = await (await browser.newContext()).newPage();
  await signIn(support, demoUsers.support.email);
  await expect(support).toHaveURL(/\/support\/tenants$/);
  await support.getByLabel("Search").fill(s3KeyArn);
  await support.getByRole("button", { name: "Search" }).click();
  await expect(support).toHaveURL(/q=arn/);
  const rows = support.getByRole("table").getByRole("row");
  await expect(rows).toHaveCount(2);
  await support.screenshot({ path: "test-results/support-screenshots/1-tenants-search-by-arn.png", fullPage: true });
  await support.getByRole("link", { name: "Acme Corp" }).click();
  await expect(support.getByRole("heading", { level: 1 })).toHaveText("Acme Corp");
  expect((await new AxeBuilder({ page: support }).analyze()).violations.filter((v) => v.impact === "serious" || v.impact === "critical")).toEqual([]);
  await support.screenshot({ path: "test-results/support-screenshots/2-tenant.png", fullPage: true });
  await support.getByRole("link", { name: /^Support / }).click();
  await expect(support.getByRole("heading", { level: 1 })).toContainText("Support");
  await expect(support.getByText(s3KeyArn, { exact: true })).toBeVisible();
  const attempt = support.getByRole("region", { name: "Attempt 1" });
  await expect(attempt).toContainText("Failed");
  // Beside AWS's raw error, what the customer was told about it.
  await expect(attempt).toContainText("The customer reads: Your object storage key (S3 key) refused");
  await expect(attempt).toContainText("AccessDenied");
  await expect(attempt).toContainText("kms:GenerateDataKey");
  expect((await new AxeBuilder({ page: support }).analyze()).violations.filter((v) => v.impact === "serious" || v.impact === "critical")).toEqual([]);

  await support.getByLabel("Add an internal note").fill("Customer's S3 key lacks our statement; told them on the call.");
  await support.getByRole("button", { name: "Save note" }).click();
  await expect(support.getByText("Note saved.")).toBeVisible();

  // Retrying starts AWS work in the customer's name: it asks first.
  await support.getByRole("button", { name: "Retry provisioning" }).click();
  await support.getByRole("group", { name: "Confirm the retry" }).getByRole("button", { name: "Yes, retry" }).click();
  await expect(support.getByText("Provisioning was queued again.")).toBeVisible();
  await support.reload();
  await expect(support.getByTestId("audit-timeline")).toContainText("Retry of provisioning requested");
  await expect(support.getByTestId("audit-timeline")).toContainText("Vendor support: Vendor Support <support@vendor.example>");
  await expect(support.getByRole("region", { name: "Attempt 2" })).toContainText("Support retry by support@vendor.example");
  await support.screenshot({ path: "test-results/support-screenshots/3-environment-after-retry.png", fullPage: true });

  await customer.goto(environmentUrl);
  await expect(customer.getByTestId("audit-timeline")).toContainText("Retry of provisioning requested");
  await expect(customer.getByTestId("audit-timeline")).toContainText("Vendor support");
  // Internal notes never reach the customer.
  await expect(customer.getByText("told them on the call")).toHaveCount(0);
});

test("customer admins get 404 on every support page, route handler and action", async ({ browser, request }) => {
  const ids = await withDatabase(async (client) => {
    const organization = await client.query<{ id: string }>(`SELECT id FROM organization WHERE slug = 'acme'`);
    return { organizationId: organization.rows[0]?.id ?? "missing" };
  });
  // Capture a real "Save note" server action request as support, to replay it as a customer.
  const supportContext = await browser.newContext();
  const support = await supportContext.newPage();
  await signIn(support, demoUsers.support.email);
  await support.goto(`/support/tenants/${ids.organizationId}`);
  const captured = support.waitForRequest((candidate) => candidate.method() === "POST" && Boolean(candidate.headers()["next-action"]));
  await support.getByLabel("Add an internal note").fill("captured for replay");
  await support.getByRole("button", { name: "Save note" }).click();
  const actionRequest = await captured;
  await expect(support.getByText("Note saved.")).toBeVisible();
  const notesBefore = await withDatabase(async (client) => (await client.query(`SELECT 1 FROM support_note`)).rowCount);

  const customerContext = await browser.newContext();
  const customer = await customerContext.newPage();
  await signIn(customer, demoUsers.acme.email);
  for (const path of ["/support", "/support/tenants", `/support/tenants?q=acme`, `/support/tenants/${ids.organizationId}`, "/support/environments/00000000-0000-4000-8000-000000000000"]) {
    const response = await customer.goto(path);
    expect(response?.status(), path).toBe(404);
  }
  const exportResponse = await customer.request.get(`/api/support/tenants/${ids.organizationId}/audit-log?format=json`);
  expect(exportResponse.status()).toBe(404);

  const replay = await customer.request.post(actionRequest.url(), {
    headers: { ...actionRequest.headers(), cookie: (await customerContext.cookies()).map((c) => `${c.name}=${c.value}`).join("; ") },
    data: actionRequest.postDataBuffer() ?? undefined,
  });
  expect(replay.status()).toBe(404);
  const notesAfter = await withDatabase(async (client) => (await client.query(`SELECT 1 FROM support_note`)).rowCount);
  expect(notesAfter).toBe(notesBefore);

  // And without any session at all.
  expect((await request.get(`/api/support/tenants/${ids.organizationId}/audit-log`, { maxRedirects: 0 })).status()).toBe(401);
  await supportContext.close();
  await customerContext.close();
});

test("the tenants list searches, filters and pages through the URL, by keyboard", async ({ page }) => {
  await signIn(page, demoUsers.support.email);
  await page.getByLabel("Search").focus();
  await page.keyboard.type("Globex");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/q=Globex/);
  await expect(page.getByRole("link", { name: "Globex" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Acme Corp" })).toHaveCount(0);
  await page.goto("/support/tenants?status=BOGUS");
  await expect(page.getByRole("main").getByRole("alert")).toContainText("Unknown status filter.");
  expect((await new AxeBuilder({ page }).analyze()).violations.filter((v) => v.impact === "serious" || v.impact === "critical")).toEqual([]);
});

test("the tenants list shows each tenant's worst key health and filters by it, as the customer's list does", async ({ browser, page }) => {
  // A fresh organization with one ready BYOK environment whose S3 key a check found disabled.
  const customer = await createCustomerOrganization("keyhealth");
  const environmentName = `Key health ${Date.now().toString(36)}`;
  const organizationName = await withDatabase(async (client) => {
    const owner = await client.query<{ userId: string; name: string }>(
      `SELECT m."userId", o.name FROM member m JOIN organization o ON o.id = m."organizationId" WHERE o.id = $1`,
      [customer.organizationId],
    );
    const row = owner.rows[0];
    if (!row) throw new Error("the fresh organization has no owner");
    const environment = await client.query<{ id: string }>(
      `INSERT INTO environment (id, "organizationId", name, region, "encryptionMode", "s3KeyArn", "rdsKeyArn", status, "tenantName", "createdById", "updatedAt")
       VALUES (gen_random_uuid(), $1, $2, 'eu-west-1', 'CUSTOMER_MANAGED', $3, $4, 'READY', $5, $6, now()) RETURNING id`,
      [
        customer.organizationId,
        environmentName,
        "arn:aws:kms:eu-west-1:111122223333:key/0e3b6c55-0000-4000-8000-000000000001",
        "arn:aws:kms:eu-west-1:111122223333:key/0e3b6c55-0000-4000-8000-000000000002",
        `kh-${Date.now().toString(36)}`,
        row.userId,
      ],
    );
    // Next check tomorrow: the scheduler must not check these made-up keys during the test.
    await client.query(
      `INSERT INTO key_health ("environmentId", "organizationId", state, "rotationOff", "checkedAt", "nextCheckAt", "updatedAt")
       VALUES ($1, $2, 'KEY_DISABLED', true, now(), now() + interval '1 day', now())`,
      [environment.rows[0]?.id, customer.organizationId],
    );
    return row.name;
  });

  await signIn(page, demoUsers.support.email);
  await page.getByLabel("Search").fill(organizationName);
  await page.getByLabel("Key health").selectOption({ label: "Key disabled" });
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/keyHealth=KEY_DISABLED/);
  await expect(page.getByRole("columnheader", { name: "Key health" })).toBeVisible();
  const tenant = page.getByRole("row", { name: new RegExp(organizationName) });
  await expect(tenant.getByRole("cell").nth(5)).toHaveText("Key disabled");
  await expect(page.getByLabel("Key health")).toHaveValue("KEY_DISABLED");
  expect((await new AxeBuilder({ page }).analyze()).violations.filter((v) => v.impact === "serious" || v.impact === "critical")).toEqual([]);

  // "At least one environment in that state": none of this tenant's is healthy.
  await page.getByLabel("Key health").selectOption({ label: "Healthy" });
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/keyHealth=HEALTHY/);
  await expect(page.getByText("No tenant matches this search.")).toBeVisible();

  // A hand-edited value is explained, not a server error.
  const response = await page.goto("/support/tenants?keyHealth=SICK");
  expect(response?.status()).toBe(200);
  await expect(page.getByRole("main").getByRole("alert")).toContainText("Unknown key health filter");

  // The customer's own list shows the state and the rotation warning in words.
  const customerPage = await (await browser.newContext()).newPage();
  await signIn(customerPage, customer.email);
  const environmentRow = customerPage.getByRole("row", { name: new RegExp(environmentName) });
  await expect(environmentRow).toContainText("Key disabled");
  await expect(environmentRow).toContainText("Rotation off");
});
