import { copyFileSync } from "node:fs";
import path from "node:path";
import { customerWorkspace, endpointOf, runDisplayedCommand, sandboxUrl } from "../fixtures/aws-cli";
import { createCustomerOrganization, expect, signIn, test } from "../fixtures/portal";
import { createFromReview, snippet, startByokDraft, waitForStatus } from "../fixtures/wizard";

/**
 * The e2e runner runs the portal against the sandbox (AWS_ENDPOINT_URL), which is sandbox mode:
 * a "Sandbox" badge, `--endpoint-url` in every displayed command, and "Deploy in the sandbox"
 * on the keys step for demos where nobody types commands.
 */

test("Deploy in the sandbox: the stack's events, then Use these keys, through to Ready", async ({ page }) => {
  test.setTimeout(180_000);
  const organization = await createCustomerOrganization("sandboxdeploy");
  await signIn(page, organization.email);
  await startByokDraft(page, `Sandbox ${Date.now().toString(36)}`, "eu-west-1");

  const badge = page.getByRole("note", { name: `Sandbox: AWS calls go to the local sandbox at ${sandboxUrl()}, not to AWS. The AWS CLI commands shown carry --endpoint-url ${sandboxUrl()}.` });
  await expect(badge).toHaveText("Sandbox");
  await expect(badge).toHaveAttribute("title", /local sandbox at/);

  await page.getByRole("tab", { name: "CloudFormation template" }).click();
  const region = page.getByRole("region", { name: "Deploy in the sandbox" });
  await region.getByRole("button", { name: "Deploy in the sandbox" }).click();

  const events = region.getByRole("table", { name: "Stack events" });
  await expect(events.getByRole("row").filter({ hasText: "AWS::CloudFormation::Stack" }).filter({ hasText: "CREATE_COMPLETE" })).toHaveCount(1);
  await expect(events.getByRole("row").filter({ hasText: "AWS::KMS::Key" }).filter({ hasText: "CREATE_COMPLETE" })).toHaveCount(2);
  await expect(events.getByRole("row").filter({ hasText: "CREATE_IN_PROGRESS" }).first()).toBeVisible();
  await expect(region.getByRole("status")).toHaveText("The stack is CREATE_COMPLETE.");

  const payload = JSON.parse(await region.getByTestId("sandbox-payload").innerText()) as { S3KmsKeyArn: string; RdsKmsKeyArn: string };
  expect(payload.S3KmsKeyArn).toMatch(/^arn:aws:kms:eu-west-1:123456789012:key\//);
  expect(payload.RdsKmsKeyArn).toMatch(/^arn:aws:kms:eu-west-1:123456789012:key\//);
  await page.screenshot({ path: path.join("test-results", "wizard-screenshots", "sandbox-deploy.png"), fullPage: true });

  // The key-ARN step's own action checks both keys live, then the wizard goes on to review.
  await region.getByRole("button", { name: "Use these keys" }).click();
  await expect(page).toHaveURL(/\/review$/);
  await expect(page.getByText(payload.S3KmsKeyArn)).toBeVisible();
  await expect(page.getByText(payload.RdsKmsKeyArn)).toBeVisible();
  await createFromReview(page);
  await waitForStatus(page, "Ready");
});

test("the displayed commands carry the sandbox's --endpoint-url and run verbatim", async ({ page }) => {
  test.setTimeout(180_000);
  const organization = await createCustomerOrganization("sandboxcli");
  const workspace = customerWorkspace();
  await signIn(page, organization.email);
  await startByokDraft(page, `Sandbox CLI ${Date.now().toString(36)}`, "eu-west-1");

  expect(endpointOf(await snippet(page, "Command that prints the S3 key's policy"))).toBe(sandboxUrl());

  await page.getByRole("tab", { name: "CloudFormation template" }).click();
  const downloadPromise = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download template" }).click();
  copyFileSync(await (await downloadPromise).path(), path.join(workspace.dir, "byok-kms-keys.yaml"));

  const deploy = await snippet(page, "Deploy command");
  const describeStacks = await snippet(page, "Describe-stacks command");
  for (const command of [deploy, describeStacks]) {
    expect(endpointOf(command)).toBe(sandboxUrl());
    expect(command).toContain(`--region eu-west-1 \\\n  --endpoint-url ${sandboxUrl()}`);
  }
  // runDisplayedCommand adds nothing to a command that names its endpoint: this is what a demo runner pastes.
  await runDisplayedCommand(deploy, workspace);
  const printed = await runDisplayedCommand(describeStacks, workspace);
  expect(printed).toContain("S3KmsKeyArn");

  // The stack the commands made is the one "Deploy in the sandbox" picks up, not a second one.
  const region = page.getByRole("region", { name: "Deploy in the sandbox" });
  await region.getByRole("button", { name: "Deploy in the sandbox" }).click();
  await expect(region.getByTestId("sandbox-payload")).toHaveText(printed.trim());
});
