import { copyFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "@playwright/test";
import { aws, customerWorkspace, runDisplayedCommand } from "../fixtures/aws-cli";
import { createCustomerOrganization, expect, signIn, test } from "../fixtures/portal";
import { createFromReview, snippet, startByokDraft, waitForStatus } from "../fixtures/wizard";

/**
 * Role mode (F8): the customer's IAM role, trusted with the organization's External ID, gives the
 * platform use of one key. Each test has an organization of its own (its External ID and role).
 */

const REGION = "eu-west-1";
const shots = (name: string) => path.join("test-results", "wizard-screenshots", `role-${name}.png`);

async function chooseRoleMode(page: Page): Promise<{ externalId: string; platformRoleArn: string }> {
  await page.getByRole("radio", { name: "IAM role with External ID" }).check();
  const values = page.getByRole("region", { name: "Onboarding values" });
  await expect(values.getByText("External ID", { exact: true })).toBeVisible();
  const valueOf = async (label: string) => (await values.locator("div").filter({ has: page.getByText(label, { exact: true }) }).locator("dd span.font-mono").innerText()).trim();
  const externalId = await valueOf("External ID");
  expect(externalId).toMatch(/^byok-[A-Za-z0-9_-]{24}$/);
  await expect(values.getByRole("button", { name: "Copy External ID" })).toBeVisible();
  return { externalId, platformRoleArn: await valueOf("Platform role ARN") };
}

test("role mode through the template route: deploy the role as the customer, paste the payload, Ready; key uses forwarded to the customer's log group", async ({ page }) => {
  test.setTimeout(240_000);
  const workspace = customerWorkspace();
  const { email } = await createCustomerOrganization("rolemode");
  await signIn(page, email);
  const draftId = await startByokDraft(page, `Role ${Date.now().toString(36)}`, REGION);
  const { externalId } = await chooseRoleMode(page);
  await page.screenshot({ path: shots("1-keys"), fullPage: true });

  // The documents carry the organization's External ID.
  await page.getByRole("tab", { name: "Policies, by hand" }).click();
  const trust = JSON.parse(await snippet(page, "Trust policy")) as { Statement: Array<{ Condition: { StringEquals: Record<string, string> } }> };
  expect(trust.Statement[0]?.Condition.StringEquals["sts:ExternalId"]).toBe(externalId);

  await page.getByRole("tab", { name: "CloudFormation template" }).click();
  const downloadPromise = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download template" }).click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toBe("byok-role.yaml");
  copyFileSync(await download.path(), path.join(workspace.dir, "byok-role.yaml"));
  const deploy = await snippet(page, "Deploy command (creates a new key)");
  expect(deploy).toContain("--capabilities CAPABILITY_NAMED_IAM");
  await runDisplayedCommand(deploy, workspace);
  const payload = await runDisplayedCommand(await snippet(page, "Describe-stacks command"), workspace);
  expect(payload).toContain("roleArn");

  // The customer's log group and the role that may write to it (trusted with the same External ID).
  const logGroupName = `/byok/key-use-${draftId.slice(0, 8)}`;
  await aws(["logs", "create-log-group", "--log-group-name", logGroupName, "--region", REGION], workspace);
  const logGroupArn = `arn:aws:logs:${REGION}:123456789012:log-group:${logGroupName}`;
  writeFileSync(path.join(workspace.dir, "log-trust.json"), JSON.stringify(trust));
  writeFileSync(
    path.join(workspace.dir, "log-policy.json"),
    JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [logGroupArn, `${logGroupArn}:log-stream:*`] }] }),
  );
  const logRoleName = `byok-logs-${draftId.slice(0, 8)}`;
  const logRole = JSON.parse(await aws(["iam", "create-role", "--role-name", logRoleName, "--assume-role-policy-document", "file://log-trust.json", "--region", "us-east-1"], workspace)) as { Role: { Arn: string } };
  await aws(["iam", "put-role-policy", "--role-name", logRoleName, "--policy-name", "forward-key-use", "--policy-document", "file://log-policy.json", "--region", "us-east-1"], workspace);

  await page.getByRole("button", { name: "Next" }).click();
  await expect(page).toHaveURL(new RegExp(`/environments/new/${draftId}/key-arns$`));
  await page.getByLabel("Onboarding payload").fill(payload);
  await expect(page.getByText("The role ARN and the key ARN were filled in from the payload.")).toBeVisible();
  await page.getByLabel("Log group ARN").fill(logGroupArn);
  await page.getByLabel("Log role ARN").fill(logRole.Role.Arn);
  await page.screenshot({ path: shots("2-key-arns"), fullPage: true });
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByText("IAM role with External ID")).toBeVisible();
  await createFromReview(page);
  await waitForStatus(page, "Ready");
  await page.screenshot({ path: shots("3-ready"), fullPage: true });

  // The platform's key uses, forwarded to the customer's log group (the forwarder runs every few seconds).
  const environmentId = /\/environments\/([0-9a-f-]{36})$/.exec(page.url())?.[1] ?? "";
  await expect
    .poll(
      async () => {
        const out = await aws(["logs", "get-log-events", "--log-group-name", logGroupName, "--log-stream-name", `byok-${environmentId}`, "--region", REGION], workspace).catch(() => '{"events":[]}');
        return (JSON.parse(out) as { events: Array<{ message: string }> }).events.map((event) => JSON.parse(event.message) as Record<string, unknown>);
      },
      { timeout: 60_000, intervals: [1_000, 2_000, 5_000] },
    )
    .toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: "GenerateDataKey", outcome: "success", environmentId, encryptionContext: expect.objectContaining({ purpose: "environment-data-key" }) }),
      ]),
    );
});

test("a role whose trust policy names another External ID is refused at the key-ARN step, with the organization's External ID", async ({ page }) => {
  test.setTimeout(120_000);
  const workspace = customerWorkspace();
  const { email } = await createCustomerOrganization("rolewrong");
  await signIn(page, email);
  const draftId = await startByokDraft(page, `Wrong ${Date.now().toString(36)}`, REGION);
  const { externalId } = await chooseRoleMode(page);

  await page.getByRole("tab", { name: "Policies, by hand" }).click();
  const trust = (await snippet(page, "Trust policy")).replace(externalId, "byok-AnotherOrganizationsId00");
  writeFileSync(path.join(workspace.dir, "trust.json"), trust);
  const key = JSON.parse(await aws(["kms", "create-key", "--region", REGION], workspace)) as { KeyMetadata: { Arn: string } };
  writeFileSync(path.join(workspace.dir, "permissions.json"), (await snippet(page, "Permissions policy")).replace("<your key ARN>", key.KeyMetadata.Arn));
  const roleName = `byok-wrong-${draftId.slice(0, 8)}`;
  const role = JSON.parse(await aws(["iam", "create-role", "--role-name", roleName, "--assume-role-policy-document", "file://trust.json", "--region", "us-east-1"], workspace)) as { Role: { Arn: string } };
  await aws(["iam", "put-role-policy", "--role-name", roleName, "--policy-name", "byok-key-use", "--policy-document", "file://permissions.json", "--region", "us-east-1"], workspace);

  await page.getByRole("button", { name: "Next" }).click();
  await expect(page).toHaveURL(new RegExp(`/environments/new/${draftId}/key-arns$`));
  await page.getByLabel("Role ARN", { exact: true }).fill(role.Role.Arn);
  await page.getByLabel("Key ARN", { exact: true }).fill(key.KeyMetadata.Arn);
  await page.getByRole("button", { name: "Next" }).click();
  const error = page.locator("#roleArn-error");
  await expect(error).toContainText(`"sts:ExternalId": "${externalId}"`);
  await expect(error).toContainText("another External ID");
  await expect(page).toHaveURL(new RegExp(`/environments/new/${draftId}/key-arns$`));
  await page.screenshot({ path: shots("4-wrong-external-id"), fullPage: true });
});
