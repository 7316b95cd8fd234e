import { copyFileSync } from "node:fs";
import path from "node:path";
import { customerWorkspace, runDisplayedCommand, sandboxTrail } from "../fixtures/aws-cli";
import { createKeyWithStatements } from "../fixtures/customer-keys";
import { demoUsers, expect, signIn, test } from "../fixtures/portal";
import { createFromReview, snippet, startByokDraft, statements, waitForStatus } from "../fixtures/wizard";

const REGION = "eu-west-1";

/**
 * Issue 11: Acme deploys the template for its S3 key and pastes Globex's RDS key ARN (a key
 * made with the statements for a Globex environment). The key-ARN step refuses it, the platform
 * never gets to use the key, and Acme's own keys then take the wizard to Ready.
 */
test("another organization's RDS key is refused at the key-ARN step and never used by the platform; Acme's own keys reach Ready", async ({ browser }) => {
  test.setTimeout(240_000);

  // Globex, in its own AWS account, makes its RDS key from the statements of its own environment.
  const globex = await (await browser.newContext()).newPage();
  await signIn(globex, demoUsers.globex.email);
  const globexDraftId = await startByokDraft(globex, `Globex ${Date.now().toString(36)}`);
  const globexWorkspace = customerWorkspace("other-customer");
  const globexRdsKeyArn = await createKeyWithStatements(globexWorkspace, REGION, await statements(globex, "Aurora (RDS) key statements"));
  await globex.close();

  // Acme deploys the template shown for its environment, and pastes Globex's RDS key instead of its own.
  const page = await (await browser.newContext()).newPage();
  const workspace = customerWorkspace();
  await signIn(page, demoUsers.acme.email);
  const draftId = await startByokDraft(page, `Tenant ${Date.now().toString(36)}`);
  expect(draftId).not.toBe(globexDraftId);
  await page.getByRole("tab", { name: "CloudFormation template" }).click();
  const downloadPromise = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download template" }).click();
  copyFileSync(await (await downloadPromise).path(), path.join(workspace.dir, "byok-kms-keys.yaml"));
  const deploy = await snippet(page, "Deploy command");
  expect(deploy).toContain(`EnvironmentId=${draftId}`);
  await runDisplayedCommand(deploy, workspace);
  const payload = JSON.parse(await runDisplayedCommand(await snippet(page, "Describe-stacks command"), workspace)) as { S3KmsKeyArn: string; RdsKmsKeyArn: string };

  await page.getByRole("button", { name: "Next" }).click();
  await page.getByLabel("S3 key ARN").fill(payload.S3KmsKeyArn);
  await page.getByLabel("RDS key ARN").fill(globexRdsKeyArn);
  await page.getByRole("button", { name: "Next" }).click();
  const rdsError = page.locator("#rdsKeyArn-error");
  await expect(rdsError).toContainText("The platform is not allowed to read this key");
  await expect(rdsError).toContainText("AllowPlatformRdsDescribeKey, AllowPlatformRdsGrants, AllowPlatformKeyPreflight");
  await expect(page.locator("#s3KeyArn-error")).toHaveCount(0);
  await expect(page).toHaveURL(new RegExp(`${draftId}/key-arns$`));

  // The sandbox trail: nothing the platform asked of Globex's key was allowed, and it only ever asked as Acme's environment.
  const onGlobexKey = (await sandboxTrail()).filter((event) => event.keyArn === globexRdsKeyArn && event.principal.includes("byok-platform"));
  expect(onGlobexKey.length).toBeGreaterThan(0);
  expect(onGlobexKey.filter((event) => event.result === "allowed")).toEqual([]);
  expect(new Set(onGlobexKey.map((event) => event.principal))).toEqual(new Set([`arn:aws:sts::210987654321:assumed-role/byok-platform/byok-env-${draftId}`]));

  // With its own RDS key the same draft goes through to Ready.
  await page.getByLabel("RDS key ARN").fill(payload.RdsKmsKeyArn);
  await page.getByRole("button", { name: "Next" }).click();
  await createFromReview(page);
  await waitForStatus(page, "Ready");
  const trail = await sandboxTrail();
  expect(trail.filter((event) => event.keyArn === globexRdsKeyArn && event.result === "allowed" && event.principal.includes("byok-platform"))).toEqual([]);
  const usedAcmeKey = trail.filter((event) => event.keyArn === payload.RdsKmsKeyArn && event.action === "CreateGrant" && event.result === "allowed");
  expect(usedAcmeKey.map((event) => event.principal)).toEqual([`arn:aws:sts::210987654321:assumed-role/byok-platform/byok-env-${draftId}`]);
});
