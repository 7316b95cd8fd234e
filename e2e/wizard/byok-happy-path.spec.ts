import { copyFileSync } from "node:fs";
import path from "node:path";
import { aws, customerWorkspace, runDisplayedCommand, sandboxTrail } from "../fixtures/aws-cli";
import { demoUsers, expect, signIn, test } from "../fixtures/portal";
import { createFromReview, snippet, startByokDraft, waitForStatus } from "../fixtures/wizard";

const shots = (name: string) => path.join("test-results", "wizard-screenshots", `${name}.png`);

test("template route: deploy, paste the payload, provision, then add aliases with the tenant name", async ({ page }) => {
  test.setTimeout(180_000);
  const workspace = customerWorkspace();
  await signIn(page, demoUsers.acme.email);
  const draftId = await startByokDraft(page, `Happy ${Date.now().toString(36)}`, "eu-west-1", async (step) => {
    await page.screenshot({ path: shots(step === "basics" ? "1-basics" : "2-encryption"), fullPage: true });
  });
  await page.screenshot({ path: shots("3-create-your-keys"), fullPage: true });

  await page.getByRole("tab", { name: "CloudFormation template" }).click();
  const downloadPromise = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download template" }).click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toBe("byok-kms-keys.yaml");
  copyFileSync(await download.path(), path.join(workspace.dir, "byok-kms-keys.yaml"));

  const deploy = await snippet(page, "Deploy command");
  expect(deploy).toContain(`--region eu-west-1`);
  await runDisplayedCommand(deploy, workspace);
  const payload = await runDisplayedCommand(await snippet(page, "Describe-stacks command"), workspace);
  expect(payload).toContain("S3KmsKeyArn");

  await page.getByRole("button", { name: "Next" }).click();
  await expect(page).toHaveURL(new RegExp(`/environments/new/${draftId}/key-arns$`));
  await page.getByLabel("Onboarding payload").fill(payload);
  await expect(page.getByText("Both key ARNs were filled in from the payload.")).toBeVisible();
  const s3KeyArn = await page.getByLabel("S3 key ARN").inputValue();
  const rdsKeyArn = await page.getByLabel("RDS key ARN").inputValue();
  expect(s3KeyArn).toMatch(/^arn:aws:kms:eu-west-1:123456789012:key\//);
  await page.screenshot({ path: shots("4-key-arns"), fullPage: true });
  await page.getByRole("button", { name: "Next" }).click();
  await page.screenshot({ path: shots("5-review"), fullPage: true });
  await createFromReview(page);
  await page.screenshot({ path: shots("6-provisioning"), fullPage: true });
  await waitForStatus(page, "Ready");
  const tenantName = (await page.getByTestId("tenant-name").innerText()).trim();
  expect(tenantName).toMatch(/^acme-[a-z0-9-]+$/);
  await page.screenshot({ path: shots("7-done"), fullPage: true });

  // Step 4 of the reference: the redeploy with TenantName adds the aliases and tags.
  await runDisplayedCommand(await snippet(page, "Redeploy command with TenantName"), workspace);
  const aliases = JSON.parse(await aws(["kms", "list-aliases", "--region", "eu-west-1"], workspace)) as {
    Aliases: { AliasName: string; TargetKeyId?: string }[];
  };
  const names = aliases.Aliases.map((alias) => alias.AliasName);
  expect(names).toContain(`alias/stratus-objectstorage-byok-${tenantName}`);
  expect(names).toContain(`alias/stratus-database-byok-${tenantName}`);

  // The platform used the customer's keys through S3 and RDS, as the key policies allow.
  const trail = await sandboxTrail();
  const platform = trail.filter((event) => event.principal.includes("byok-platform") && event.result === "allowed");
  expect(platform.some((event) => event.action === "GenerateDataKey" && event.keyArn === s3KeyArn && event.viaService === "s3.eu-west-1.amazonaws.com")).toBe(true);
  expect(platform.some((event) => event.action === "CreateGrant" && event.keyArn === rdsKeyArn && event.viaService === "rds.eu-west-1.amazonaws.com")).toBe(true);
});
