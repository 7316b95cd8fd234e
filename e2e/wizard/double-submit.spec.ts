import type { Page } from "@playwright/test";
import { createCustomerOrganization, expect, signIn, test, withDatabase } from "../fixtures/portal";
import { customerWorkspace } from "../fixtures/aws-cli";
import { createKeyWithStatements } from "../fixtures/customer-keys";
import { fillKeyArns, startByokDraft, statements } from "../fixtures/wizard";

/** The organization's environments and provisioning attempts (its own organization: no other spec writes there). */
async function counts(organizationId: string) {
  return withDatabase(async (client) => {
    const environments = await client.query(`SELECT 1 FROM environment WHERE "organizationId" = $1`, [organizationId]);
    const attempts = await client.query(
      `SELECT 1 FROM provisioning_attempt a JOIN environment e ON e.id = a."environmentId" WHERE e."organizationId" = $1`,
      [organizationId],
    );
    return { environments: environments.rowCount, attempts: attempts.rowCount };
  });
}

const toReview: Record<"vendor-managed" | "customer-managed", (page: Page) => Promise<void>> = {
  "vendor-managed": async (page) => {
    await page.goto("/environments/new");
    await page.getByLabel("Environment name").fill(`Twice ${Date.now().toString(36)}`);
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByLabel("Vendor-managed").check();
    await page.getByRole("button", { name: "Next" }).click();
  },
  "customer-managed": async (page) => {
    await startByokDraft(page, `Twice BYOK ${Date.now().toString(36)}`);
    // Real keys with this environment's statements: the key-ARN step describes them.
    const workspace = customerWorkspace();
    const s3KeyArn = await createKeyWithStatements(workspace, "eu-west-1", await statements(page, "S3 key statements"));
    const rdsKeyArn = await createKeyWithStatements(workspace, "eu-west-1", await statements(page, "Aurora (RDS) key statements"));
    await page.getByRole("button", { name: "Next" }).click();
    await fillKeyArns(page, s3KeyArn, rdsKeyArn);
    await page.getByRole("button", { name: "Next" }).click();
  },
};

for (const [mode, reachReview] of Object.entries(toReview)) {
  test(`${mode}: two tabs clicking Create environment on one draft make one environment and one provisioning job`, async ({ browser }) => {
    test.setTimeout(120_000);
    const { email, organizationId } = await createCustomerOrganization("twice");
    const context = await browser.newContext();
    const first = await context.newPage();
    await signIn(first, email);
    await reachReview(first);
    await expect(first).toHaveURL(/\/review$/);
    const second = await context.newPage();
    await second.goto(first.url());
    await expect(second.getByRole("button", { name: "Create environment" })).toBeVisible();
    expect(await counts(organizationId)).toEqual({ environments: 1, attempts: 0 });

    await Promise.all([
      first.getByRole("button", { name: "Create environment" }).click(),
      second.getByRole("button", { name: "Create environment" }).click(),
    ]);
    await expect(first).toHaveURL(/\/environments\/[0-9a-f-]{36}$/);
    await expect(second).toHaveURL(first.url());

    expect(await counts(organizationId)).toEqual({ environments: 1, attempts: 1 });
    await context.close();
  });
}
