import { aws, customerWorkspace } from "../fixtures/aws-cli";
import { createKeyWithStatements } from "../fixtures/customer-keys";
import { demoUsers, expect, signIn, test } from "../fixtures/portal";
import { fillKeyArns, startByokDraft, statements } from "../fixtures/wizard";

const KEY_A = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const KEY_B = "arn:aws:kms:eu-west-1:123456789012:key/0987dcba-09fe-87dc-65ba-ab0987654321";

test("bad key ARNs are stopped before provisioning, with a message under the field", async ({ page }) => {
  await signIn(page, demoUsers.acme.email);
  const draftId = await startByokDraft(page, `Checks ${Date.now().toString(36)}`);
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page).toHaveURL(new RegExp(`${draftId}/key-arns$`));

  const s3Error = page.locator("#s3KeyArn-error");
  const rdsError = page.locator("#rdsKeyArn-error");

  await fillKeyArns(page, "arn:aws:kms:eu-west-1:123456789012:alias/my-key", KEY_B);
  await expect(s3Error).toContainText("alias");
  await fillKeyArns(page, "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", KEY_B);
  await expect(s3Error).toContainText("us-east-1");
  await expect(s3Error).toContainText("eu-west-1");
  await fillKeyArns(page, "arn:aws:kms:eu-west-1:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab", KEY_B);
  await expect(s3Error).toBeVisible();
  await expect(s3Error).toContainText("210987654321");
  await fillKeyArns(page, KEY_A, KEY_A);
  await expect(rdsError).toBeVisible();

  // Well-formed ARNs of keys that do not exist: the server's live check stops them.
  await fillKeyArns(page, KEY_A, KEY_B);
  await expect(s3Error).toHaveCount(0);
  await page.getByRole("button", { name: "Next" }).click();
  await expect(s3Error).toContainText("No KMS key with this ARN exists in account 123456789012, Region eu-west-1");
  await expect(page).toHaveURL(new RegExp(`${draftId}/key-arns$`));
});

test("live checks at the key-ARN step: a disabled key is stopped with the enable-key command; real keys go through", async ({ page }) => {
  test.setTimeout(120_000);
  const workspace = customerWorkspace();
  await signIn(page, demoUsers.acme.email);
  const draftId = await startByokDraft(page, `Live ${Date.now().toString(36)}`);
  const s3KeyArn = await createKeyWithStatements(workspace, "eu-west-1", await statements(page, "S3 key statements"));
  const rdsKeyArn = await createKeyWithStatements(workspace, "eu-west-1", await statements(page, "Aurora (RDS) key statements"));
  await aws(["kms", "disable-key", "--region", "eu-west-1", "--key-id", rdsKeyArn], workspace);
  await page.getByRole("button", { name: "Next" }).click();
  await fillKeyArns(page, s3KeyArn, rdsKeyArn);
  await page.getByRole("button", { name: "Next" }).click();
  const rdsError = page.locator("#rdsKeyArn-error");
  await expect(rdsError).toContainText("This key is disabled");
  await expect(rdsError).toContainText(`aws kms enable-key --key-id ${rdsKeyArn} --region eu-west-1`);
  await expect(page.locator("#s3KeyArn-error")).toHaveCount(0);

  await aws(["kms", "enable-key", "--region", "eu-west-1", "--key-id", rdsKeyArn], workspace);
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page).toHaveURL(new RegExp(`${draftId}/review$`));
  await expect(page.getByText(s3KeyArn, { exact: true })).toBeVisible();
  // Keys made with a plain create-key do not rotate: said on the review, without blocking.
  const warnings = page.getByRole("region", { name: "Worth a look before you create" });
  await expect(warnings).toContainText(`Automatic rotation is off for your S3 key. We recommend turning it on: aws kms enable-key-rotation --key-id ${s3KeyArn} --region eu-west-1`);
  await expect(page.getByRole("button", { name: "Create environment" })).toBeEnabled();
});
