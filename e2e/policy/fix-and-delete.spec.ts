import { customerWorkspace } from "../fixtures/aws-cli";
import { createKeyWithStatements, PREFLIGHT_STATEMENT_ID, statementsOnly } from "../fixtures/customer-keys";
import { demoUsers, expect, signIn, test } from "../fixtures/portal";
import { createFromReview, fillKeyArns, startByokDraft, statements, waitForStatus } from "../fixtures/wizard";

const REGION = "eu-west-1";

test("a failed environment is fixed by changing its S3 key ARN to a key made from the Key setup section, and retried to Ready", async ({ page }) => {
  test.setTimeout(180_000);
  const workspace = customerWorkspace();
  await signIn(page, demoUsers.acme.email);
  await startByokDraft(page, `Rekeyed ${Date.now().toString(36)}`);
  // The S3 key carries only the read-only statement: it passes the key-ARN step, S3 cannot use it.
  const wrongS3KeyArn = await createKeyWithStatements(workspace, REGION, statementsOnly(await statements(page, "S3 key statements"), [PREFLIGHT_STATEMENT_ID]));
  const rdsKeyArn = await createKeyWithStatements(workspace, REGION, await statements(page, "Aurora (RDS) key statements"));
  await page.getByRole("button", { name: "Next" }).click();
  await fillKeyArns(page, wrongS3KeyArn, rdsKeyArn);
  await page.getByRole("button", { name: "Next" }).click();
  await createFromReview(page);
  await waitForStatus(page, "Failed");
  const environmentUrl = page.url();

  // After submit the statements are still reachable: the environment page's Key setup section.
  await page.getByRole("link", { name: "Key setup" }).click();
  const keySetup = page.getByRole("region", { name: "Key setup" });
  await expect(keySetup).toBeVisible();
  const newS3KeyArn = await createKeyWithStatements(workspace, REGION, await statements(page, "S3 key statements"));

  const change = page.locator("#change-key-arns");
  await change.getByLabel("S3 key ARN").fill(newS3KeyArn);
  await change.getByRole("button", { name: "Change key ARNs" }).click();
  await expect(page).toHaveURL(environmentUrl);
  await expect(page.getByRole("list", { name: "Audit timeline" }).or(page.locator("body"))).toContainText("Changed the key ARNs: S3 key");
  await expect(page.locator("dd", { hasText: newS3KeyArn })).toBeVisible();

  await page.getByRole("button", { name: "Retry provisioning" }).click();
  await waitForStatus(page, "Ready");
});

test("a draft is deleted after a confirmation: it leaves the list, and its page is not found", async ({ page }) => {
  await signIn(page, demoUsers.acme.email);
  const name = `Discarded ${Date.now().toString(36)}`;
  const draftId = await startByokDraft(page, name);
  await page.goto(`/environments/${draftId}`);
  await page.getByRole("button", { name: "Delete environment" }).click();
  await expect(page.getByRole("group", { name: `Delete ${name}? This cannot be undone.` })).toBeVisible();
  await page.getByRole("button", { name: "Yes, delete it" }).click();
  await expect(page).toHaveURL(/\/environments$/);
  await expect(page.getByRole("heading", { name: "Environments", exact: true })).toBeVisible();
  await expect(page.getByText(name)).toHaveCount(0);
  const response = await page.goto(`/environments/${draftId}`);
  expect(response?.status()).toBe(404);
});
