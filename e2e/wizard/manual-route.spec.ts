import { customerWorkspace } from "../fixtures/aws-cli";
import { createKeyWithStatements } from "../fixtures/customer-keys";
import { demoUsers, expect, signIn, test } from "../fixtures/portal";
import { createFromReview, fillKeyArns, startByokDraft, statements, waitForStatus } from "../fixtures/wizard";

test("manual route: keys made with create-key and put-key-policy from the copied statements provision", async ({ page }) => {
  test.setTimeout(150_000);
  const workspace = customerWorkspace();
  await signIn(page, demoUsers.acme.email);
  await startByokDraft(page, `Manual ${Date.now().toString(36)}`);
  const s3KeyArn = await createKeyWithStatements(workspace, "eu-west-1", await statements(page, "S3 key statements"));
  const rdsKeyArn = await createKeyWithStatements(workspace, "eu-west-1", await statements(page, "Aurora (RDS) key statements"));
  await page.getByRole("button", { name: "Next" }).click();
  await fillKeyArns(page, s3KeyArn, rdsKeyArn);
  await page.getByRole("button", { name: "Next" }).click();
  await createFromReview(page);
  await waitForStatus(page, "Ready");
  await expect(page.getByTestId("tenant-name")).toHaveText(/^acme-/);
});
