import { aws, customerWorkspace, sandboxTrail } from "../fixtures/aws-cli";
import { appendStatements, createKeyWithStatements, PREFLIGHT_STATEMENT_ID, statementsOnly, statementsWithout } from "../fixtures/customer-keys";
import { demoUsers, expect, signIn, test } from "../fixtures/portal";
import { createFromReview, fillKeyArns, startByokDraft, statements, waitForStatus } from "../fixtures/wizard";

const REGION = "eu-west-1";

/** Keys step → key ARNs → review; `beforeCreate` runs at the review (after the key-ARN step's live checks). */
async function provision(page: import("@playwright/test").Page, s3KeyArn: string, rdsKeyArn: string, beforeCreate?: () => Promise<void>) {
  await page.getByRole("button", { name: "Next" }).click();
  await fillKeyArns(page, s3KeyArn, rdsKeyArn);
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page).toHaveURL(/\/review$/);
  await beforeCreate?.();
  await createFromReview(page);
}

const failure = (page: import("@playwright/test").Page) => page.getByRole("alert").filter({ hasText: "What AWS said" });

test("S3 use statements missing: fails at object storage with the KMS AccessDenied, fixed with put-key-policy, retried to Ready", async ({ page }) => {
  test.setTimeout(150_000);
  const workspace = customerWorkspace();
  await signIn(page, demoUsers.acme.email);
  await startByokDraft(page, `NoS3 ${Date.now().toString(36)}`);
  const s3Statements = await statements(page, "S3 key statements");
  // Only the read-only statement: the key-ARN step can describe the key, S3 cannot use it.
  const s3KeyArn = await createKeyWithStatements(workspace, REGION, statementsOnly(s3Statements, [PREFLIGHT_STATEMENT_ID]));
  const rdsKeyArn = await createKeyWithStatements(workspace, REGION, await statements(page, "Aurora (RDS) key statements"));
  await provision(page, s3KeyArn, rdsKeyArn);
  await waitForStatus(page, "Failed");
  await expect(failure(page)).toContainText("kms:GenerateDataKey");
  await expect(failure(page)).toContainText(s3KeyArn);
  await expect(failure(page)).toContainText("S3 key");
  await expect(page.getByRole("list", { name: "Provisioning steps" }).getByRole("listitem").filter({ hasText: "Object storage" })).toContainText("Failed");

  await appendStatements(workspace, REGION, s3KeyArn, statementsWithout(s3Statements, [PREFLIGHT_STATEMENT_ID]));
  await page.getByRole("button", { name: "Retry provisioning" }).click();
  await waitForStatus(page, "Ready");
});

test("grant flag wrong on the RDS key: fails at the database step", async ({ page }) => {
  test.setTimeout(150_000);
  const workspace = customerWorkspace();
  await signIn(page, demoUsers.acme.email);
  await startByokDraft(page, `NoGrantFlag ${Date.now().toString(36)}`);
  const s3KeyArn = await createKeyWithStatements(workspace, REGION, await statements(page, "S3 key statements"));
  // The portal's grant statement requires grants for AWS resources; the customer flips that flag,
  // so RDS's grants (flag true) no longer match.
  const rds = (await statements(page, "Aurora (RDS) key statements")) as { Condition?: { Bool?: Record<string, string> } }[];
  expect(rds.filter((statement) => statement.Condition?.Bool?.["kms:GrantIsForAWSResource"] === "true")).toHaveLength(1);
  const brokenFlag = rds.map((statement) =>
    statement.Condition?.Bool ? { ...statement, Condition: { ...statement.Condition, Bool: { "kms:GrantIsForAWSResource": "false" } } } : statement,
  );
  const rdsKeyArn = await createKeyWithStatements(workspace, REGION, brokenFlag);
  await provision(page, s3KeyArn, rdsKeyArn);
  await waitForStatus(page, "Failed");
  await expect(page.getByRole("list", { name: "Provisioning steps" }).getByRole("listitem").filter({ hasText: "Database" })).toContainText("Failed");
  await expect(failure(page)).toContainText("KMSKeyNotAccessibleFault");
});

test("RDS key disabled after the key-ARN step: fails, the customer enables it, retry reaches Ready", async ({ page }) => {
  test.setTimeout(150_000);
  const workspace = customerWorkspace();
  await signIn(page, demoUsers.acme.email);
  await startByokDraft(page, `Disabled ${Date.now().toString(36)}`);
  const s3KeyArn = await createKeyWithStatements(workspace, REGION, await statements(page, "S3 key statements"));
  const rdsKeyArn = await createKeyWithStatements(workspace, REGION, await statements(page, "Aurora (RDS) key statements"));
  await provision(page, s3KeyArn, rdsKeyArn, async () => {
    await aws(["kms", "disable-key", "--region", REGION, "--key-id", rdsKeyArn], workspace);
  });
  await waitForStatus(page, "Failed");
  await expect(failure(page)).toContainText("disabled");
  await expect(failure(page)).toContainText("aws kms enable-key");
  await aws(["kms", "enable-key", "--region", REGION, "--key-id", rdsKeyArn], workspace);
  await page.getByRole("button", { name: "Retry provisioning" }).click();
  await waitForStatus(page, "Ready");
});

test("S3 key scheduled for deletion after the key-ARN step: fails with the cancel-key-deletion command", async ({ page }) => {
  test.setTimeout(150_000);
  const workspace = customerWorkspace();
  await signIn(page, demoUsers.acme.email);
  await startByokDraft(page, `Pending ${Date.now().toString(36)}`);
  const s3KeyArn = await createKeyWithStatements(workspace, REGION, await statements(page, "S3 key statements"));
  const rdsKeyArn = await createKeyWithStatements(workspace, REGION, await statements(page, "Aurora (RDS) key statements"));
  await provision(page, s3KeyArn, rdsKeyArn, async () => {
    await aws(["kms", "schedule-key-deletion", "--region", REGION, "--key-id", s3KeyArn, "--pending-window-in-days", "7"], workspace);
  });
  await waitForStatus(page, "Failed");
  await expect(failure(page)).toContainText("pending deletion");
  await expect(failure(page)).toContainText("aws kms cancel-key-deletion");
});

test("confused deputy: another customer's S3 key, made with Globex's statements, is refused at the key-ARN step and never used", async ({ browser }) => {
  test.setTimeout(180_000);
  // Globex's admin starts a draft and the other customer builds its S3 key from Globex's statements.
  const globex = await browser.newPage();
  await signIn(globex, demoUsers.globex.email);
  await startByokDraft(globex, `Globex ${Date.now().toString(36)}`);
  const otherCustomer = customerWorkspace("other-customer");
  const foreignKeyArn = await createKeyWithStatements(otherCustomer, REGION, await statements(globex, "S3 key statements"));
  await globex.close();

  const page = await browser.newPage();
  const acmeWorkspace = customerWorkspace();
  await signIn(page, demoUsers.acme.email);
  const draftId = await startByokDraft(page, `Deputy ${Date.now().toString(36)}`);
  const rdsKeyArn = await createKeyWithStatements(acmeWorkspace, REGION, await statements(page, "Aurora (RDS) key statements"));
  await page.getByRole("button", { name: "Next" }).click();
  await fillKeyArns(page, foreignKeyArn, rdsKeyArn);
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.locator("#s3KeyArn-error")).toContainText("not allowed to read this key");
  await expect(page).toHaveURL(new RegExp(`${draftId}/key-arns$`));
  // The platform only tried to describe it, from this environment's session, and was refused; nothing used it.
  const platformCalls = (await sandboxTrail()).filter((event) => event.keyArn === foreignKeyArn && event.principal.includes("byok-platform"));
  expect(platformCalls.map((event) => [event.principal, event.action, event.result])).toEqual([
    [`arn:aws:sts::210987654321:assumed-role/byok-platform/byok-env-${draftId}`, "DescribeKey", "denied"],
  ]);
  await page.close();
});
