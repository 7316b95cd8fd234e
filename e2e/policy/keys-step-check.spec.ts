import { demoUsers, expect, signIn, test } from "../fixtures/portal";
import { startByokDraft, statements } from "../fixtures/wizard";

test("on the keys step, before any key ARN is given, a policy made for another Region is diagnosed and corrected", async ({ page }) => {
  await signIn(page, demoUsers.acme.email);
  await startByokDraft(page, `Precheck ${Date.now().toString(36)}`);
  // The Aurora statements as someone would have copied them for an environment in Frankfurt.
  const rds = JSON.parse(JSON.stringify(await statements(page, "Aurora (RDS) key statements")).replaceAll("rds.eu-west-1.amazonaws.com", "rds.eu-central-1.amazonaws.com")) as unknown[];
  const policy = {
    Version: "2012-10-17",
    Statement: [{ Sid: "Enable IAM User Permissions", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" }, ...rds],
  };

  const check = page.getByRole("form", { name: "Check a key policy" });
  await check.getByRole("radio", { name: "RDS key" }).check();
  await check.getByLabel("Key policy JSON").fill(JSON.stringify(policy, null, 2));
  await check.getByRole("button", { name: "Check policy" }).click();

  const result = page.getByRole("region", { name: "Policy check" });
  await expect(result).toContainText("kms:ViaService is rds.eu-central-1.amazonaws.com; this environment needs rds.eu-west-1.amazonaws.com");
  await expect(result.locator("figcaption", { hasText: "Corrected key policy" })).toBeVisible();
  // Still on the keys step: nothing was submitted, and the wizard goes on from here.
  await expect(page).toHaveURL(/\/keys$/);
  await expect(page.getByRole("heading", { name: "Create your keys", exact: true })).toBeVisible();
});
