import { demoUsers, expect, signIn, test } from "../fixtures/portal";
import { fillKeyArns, startByokDraft } from "../fixtures/wizard";

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

  // A valid pair goes through to the review.
  await fillKeyArns(page, KEY_A, KEY_B);
  await expect(s3Error).toHaveCount(0);
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page).toHaveURL(new RegExp(`${draftId}/review$`));
  await expect(page.getByText(KEY_A)).toBeVisible();
});
