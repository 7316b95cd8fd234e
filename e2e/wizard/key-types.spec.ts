import { aws, customerWorkspace } from "../fixtures/aws-cli";
import { appendStatements } from "../fixtures/customer-keys";
import { demoUsers, expect, signIn, test } from "../fixtures/portal";
import { fillKeyArns, startByokDraft, statements } from "../fixtures/wizard";

type Workspace = ReturnType<typeof customerWorkspace>;

const SYMMETRIC_ONLY = "S3 and Aurora can only use a symmetric encryption key (key spec SYMMETRIC_DEFAULT, key usage ENCRYPT_DECRYPT)";

/** `aws kms create-key` with the given options, then this environment's statements added to its policy. */
async function createKey(workspace: Workspace, options: string[], keyStatements: unknown[]): Promise<string> {
  const created = JSON.parse(await aws(["kms", "create-key", "--region", "eu-west-1", "--description", "BYOK e2e key of the wrong type", ...options], workspace)) as {
    KeyMetadata: { Arn: string };
  };
  await appendStatements(workspace, "eu-west-1", created.KeyMetadata.Arn, keyStatements);
  return created.KeyMetadata.Arn;
}

test("an RSA encryption key and an HMAC key are stopped at the key-ARN step as the wrong key type", async ({ page }) => {
  test.setTimeout(120_000);
  const workspace = customerWorkspace();
  await signIn(page, demoUsers.acme.email);
  const draftId = await startByokDraft(page, `Key types ${Date.now().toString(36)}`);
  const rsaKeyArn = await createKey(workspace, ["--key-spec", "RSA_2048", "--key-usage", "ENCRYPT_DECRYPT"], await statements(page, "S3 key statements"));
  const hmacKeyArn = await createKey(workspace, ["--key-spec", "HMAC_256", "--key-usage", "GENERATE_VERIFY_MAC"], await statements(page, "Aurora (RDS) key statements"));

  await page.getByRole("button", { name: "Next" }).click();
  await fillKeyArns(page, rsaKeyArn, hmacKeyArn);
  await page.getByRole("button", { name: "Next" }).click();

  const s3Error = page.locator("#s3KeyArn-error");
  const rdsError = page.locator("#rdsKeyArn-error");
  await expect(s3Error).toContainText("This is an asymmetric encryption key (RSA_2048)");
  await expect(s3Error).toContainText(SYMMETRIC_ONLY);
  await expect(s3Error).toContainText("aws kms create-key --key-spec SYMMETRIC_DEFAULT --key-usage ENCRYPT_DECRYPT --region eu-west-1");
  await expect(rdsError).toContainText("This is an HMAC key (HMAC_256)");
  await expect(rdsError).toContainText(SYMMETRIC_ONLY);
  await expect(page).toHaveURL(new RegExp(`${draftId}/key-arns$`));
});

test("an RSA signing key is the wrong key type; a key created for imported material has none yet", async ({ page }) => {
  test.setTimeout(120_000);
  const workspace = customerWorkspace();
  await signIn(page, demoUsers.acme.email);
  const draftId = await startByokDraft(page, `Key kinds ${Date.now().toString(36)}`);
  const signingKeyArn = await createKey(workspace, ["--key-spec", "RSA_2048", "--key-usage", "SIGN_VERIFY"], await statements(page, "S3 key statements"));
  const externalKeyArn = await createKey(workspace, ["--origin", "EXTERNAL"], await statements(page, "Aurora (RDS) key statements"));

  await page.getByRole("button", { name: "Next" }).click();
  await fillKeyArns(page, signingKeyArn, externalKeyArn);
  await page.getByRole("button", { name: "Next" }).click();

  await expect(page.locator("#s3KeyArn-error")).toContainText("This is an asymmetric signing key (RSA_2048, SIGN_VERIFY)");
  await expect(page.locator("#rdsKeyArn-error")).toContainText("This key has no usable key material");
  await expect(page.locator("#rdsKeyArn-error")).toContainText(`aws kms import-key-material --key-id ${externalKeyArn} --region eu-west-1`);
  await expect(page).toHaveURL(new RegExp(`${draftId}/key-arns$`));
});
