import { aws, customerWorkspace, sandboxTrail } from "../fixtures/aws-cli";
import { appendStatements, createKeyWithStatements } from "../fixtures/customer-keys";
import { demoUsers, expect, signIn, test } from "../fixtures/portal";
import { createFromReview, fillKeyArns, startByokDraft, statements, waitForStatus } from "../fixtures/wizard";

const REGION = "eu-west-1";

async function provision(page: import("@playwright/test").Page, s3KeyArn: string, rdsKeyArn: string) {
  await page.getByRole("button", { name: "Next" }).click();
  await fillKeyArns(page, s3KeyArn, rdsKeyArn);
  await page.getByRole("button", { name: "Next" }).click();
  await createFromReview(page);
}

const failure = (page: import("@playwright/test").Page) => page.getByRole("alert").filter({ hasText: "What AWS said" });

test("S3 statement missing: fails at object storage with the KMS AccessDenied, fixed with put-key-policy, retried to Ready", async ({ page }) => {
  test.setTimeout(150_000);
  const workspace = customerWorkspace();
  await signIn(page, demoUsers.acme.email);
  await startByokDraft(page, `NoS3 ${Date.now().toString(36)}`);
  const s3Statements = await statements(page, "S3 key statements");
  const s3KeyArn = await createKeyWithStatements(workspace, REGION, []);
  const rdsKeyArn = await createKeyWithStatements(workspace, REGION, await statements(page, "Aurora (RDS) key statements"));
  await provision(page, s3KeyArn, rdsKeyArn);
  await waitForStatus(page, "Failed");
  await expect(failure(page)).toContainText("kms:GenerateDataKey");
  await expect(failure(page)).toContainText(s3KeyArn);
  await expect(failure(page)).toContainText("S3 key");
  await expect(page.getByRole("list", { name: "Provisioning steps" }).getByRole("listitem").filter({ hasText: "Object storage" })).toContainText("Failed");

  await appendStatements(workspace, REGION, s3KeyArn, s3Statements);
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

test("RDS key disabled: fails, the customer enables it, retry reaches Ready", async ({ page }) => {
  test.setTimeout(150_000);
  const workspace = customerWorkspace();
  await signIn(page, demoUsers.acme.email);
  await startByokDraft(page, `Disabled ${Date.now().toString(36)}`);
  const s3KeyArn = await createKeyWithStatements(workspace, REGION, await statements(page, "S3 key statements"));
  const rdsKeyArn = await createKeyWithStatements(workspace, REGION, await statements(page, "Aurora (RDS) key statements"));
  await aws(["kms", "disable-key", "--region", REGION, "--key-id", rdsKeyArn], workspace);
  await provision(page, s3KeyArn, rdsKeyArn);
  await waitForStatus(page, "Failed");
  await expect(failure(page)).toContainText("disabled");
  await expect(failure(page)).toContainText("aws kms enable-key");
  await aws(["kms", "enable-key", "--region", REGION, "--key-id", rdsKeyArn], workspace);
  await page.getByRole("button", { name: "Retry provisioning" }).click();
  await waitForStatus(page, "Ready");
});

test("S3 key pending deletion: fails with the cancel-key-deletion command", async ({ page }) => {
  test.setTimeout(150_000);
  const workspace = customerWorkspace();
  await signIn(page, demoUsers.acme.email);
  await startByokDraft(page, `Pending ${Date.now().toString(36)}`);
  const s3KeyArn = await createKeyWithStatements(workspace, REGION, await statements(page, "S3 key statements"));
  const rdsKeyArn = await createKeyWithStatements(workspace, REGION, await statements(page, "Aurora (RDS) key statements"));
  await aws(["kms", "schedule-key-deletion", "--region", REGION, "--key-id", s3KeyArn, "--pending-window-in-days", "7"], workspace);
  await provision(page, s3KeyArn, rdsKeyArn);
  await waitForStatus(page, "Failed");
  await expect(failure(page)).toContainText("pending deletion");
  await expect(failure(page)).toContainText("aws kms cancel-key-deletion");
});

test("confused deputy: another customer's key, trusting the platform only for Globex's buckets, is refused and never used", async ({ browser }) => {
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
  await startByokDraft(page, `Deputy ${Date.now().toString(36)}`);
  const rdsKeyArn = await createKeyWithStatements(acmeWorkspace, REGION, await statements(page, "Aurora (RDS) key statements"));
  await provision(page, foreignKeyArn, rdsKeyArn);
  await waitForStatus(page, "Failed");
  await expect(failure(page)).toContainText("AccessDenied");
  // The platform asked to use the key (through S3) and was refused; nothing was ever encrypted with it.
  const platformCalls = (await sandboxTrail()).filter((event) => event.keyArn === foreignKeyArn && event.principal.includes("byok-platform"));
  expect(platformCalls.some((event) => event.action === "GenerateDataKey" && event.result === "denied")).toBe(true);
  expect(platformCalls.filter((event) => event.result === "allowed" && event.action !== "DescribeKey")).toEqual([]);
  await page.close();
});
