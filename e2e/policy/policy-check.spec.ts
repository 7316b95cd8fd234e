import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { customerWorkspace, runDisplayedCommand } from "../fixtures/aws-cli";
import { createKeyWithStatements } from "../fixtures/customer-keys";
import { demoUsers, expect, signIn, test } from "../fixtures/portal";
import { createFromReview, fillKeyArns, snippet, startByokDraft, statements, waitForStatus } from "../fixtures/wizard";

const REGION = "eu-west-1";

test("a key policy made for another Region is diagnosed by the policy check, fixed with its corrected policy and the shown command, and the retry reaches Ready", async ({ page }) => {
  test.setTimeout(180_000);
  const workspace = customerWorkspace();
  await signIn(page, demoUsers.acme.email);
  await startByokDraft(page, `Checked ${Date.now().toString(36)}`);
  // The S3 statements as someone would have copied them for an environment in Frankfurt.
  const s3Statements = JSON.parse(JSON.stringify(await statements(page, "S3 key statements")).replaceAll("s3.eu-west-1.amazonaws.com", "s3.eu-central-1.amazonaws.com")) as unknown[];
  const s3KeyArn = await createKeyWithStatements(workspace, REGION, s3Statements);
  const rdsKeyArn = await createKeyWithStatements(workspace, REGION, await statements(page, "Aurora (RDS) key statements"));
  await page.getByRole("button", { name: "Next" }).click();
  await fillKeyArns(page, s3KeyArn, rdsKeyArn);
  await page.getByRole("button", { name: "Next" }).click();
  await createFromReview(page);
  await waitForStatus(page, "Failed");

  await page.getByRole("link", { name: "check the key policy" }).click();
  const check = page.getByRole("form", { name: "Check a key policy" });
  await check.getByRole("radio", { name: "S3 key" }).check();
  // The displayed key commands use the default profile: this customer's default is `byok`.
  const shell = { ...workspace, env: { ...workspace.env, AWS_PROFILE: "byok" } };
  await runDisplayedCommand(await snippet(page, "Command that prints the S3 key's policy"), shell);
  await check.getByLabel("Key policy JSON").fill(readFileSync(path.join(workspace.dir, "current-key-policy.json"), "utf8"));
  await check.getByRole("button", { name: "Check policy" }).click();

  const result = page.getByRole("region", { name: "Policy check" });
  await expect(result).toContainText("4 of the 7 requests the platform makes on your S3 key are refused");
  await expect(result).toContainText("kms:ViaService is s3.eu-central-1.amazonaws.com; this environment needs s3.eu-west-1.amazonaws.com");
  await expect(result.getByRole("listitem").filter({ hasText: "Refused" })).toHaveCount(4);

  writeFileSync(path.join(workspace.dir, "corrected-key-policy.json"), await snippet(page, "Corrected key policy"));
  await runDisplayedCommand(await snippet(page, "Command that applies the corrected policy"), shell);
  await page.getByRole("button", { name: "Retry provisioning" }).click();
  await waitForStatus(page, "Ready");
});
