import AxeBuilder from "@axe-core/playwright";
import type { Locator, Page } from "@playwright/test";
import { customerWorkspace } from "../fixtures/aws-cli";
import { createKeyWithStatements } from "../fixtures/customer-keys";
import { demoUsers, expect, signIn, test } from "../fixtures/portal";
import { startByokDraft, statements } from "../fixtures/wizard";

/** The draft's two keys, made as the customer with the statements the keys step shows. */
async function realKeys(page: Page): Promise<{ s3KeyArn: string; rdsKeyArn: string }> {
  const workspace = customerWorkspace();
  return {
    s3KeyArn: await createKeyWithStatements(workspace, "eu-west-1", await statements(page, "S3 key statements")),
    rdsKeyArn: await createKeyWithStatements(workspace, "eu-west-1", await statements(page, "Aurora (RDS) key statements")),
  };
}

async function expectNoSeriousViolations(page: Page, where: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical");
  expect(
    serious.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(" ")).join(", ")}`),
    where,
  ).toEqual([]);
}

test("axe finds no serious or critical violation on sign-in, every wizard step and the environment page", async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto("/sign-in");
  await expectNoSeriousViolations(page, "sign-in");
  await signIn(page, demoUsers.acme.email);
  await expectNoSeriousViolations(page, "environments");
  await page.goto("/environments/new");
  await expectNoSeriousViolations(page, "basics");
  const draftId = await startByokDraft(page, `A11y ${Date.now().toString(36)}`);
  await expectNoSeriousViolations(page, "create your keys: statements tab");
  const keys = await realKeys(page);
  await page.getByRole("tab", { name: "CloudFormation template" }).click();
  await expectNoSeriousViolations(page, "create your keys: template tab");
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page).toHaveURL(/\/key-arns$/);
  await expectNoSeriousViolations(page, "key ARNs");
  await page.getByLabel("S3 key ARN").fill("arn:aws:kms:eu-west-1:123456789012:alias/oops");
  // Not while typing: once the field is left.
  await expect(page.locator("#s3KeyArn-error")).toHaveCount(0);
  await page.getByLabel("S3 key ARN").blur();
  await expect(page.locator("#s3KeyArn-error")).toBeVisible();
  await expectNoSeriousViolations(page, "key ARNs with an error");
  await page.getByLabel("S3 key ARN").fill("arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab");
  await page.getByLabel("RDS key ARN").fill(keys.rdsKeyArn);
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.locator("#s3KeyArn-error")).toContainText("No KMS key with this ARN exists");
  await expectNoSeriousViolations(page, "key ARNs refused by the live check");
  await page.getByLabel("S3 key ARN").fill(keys.s3KeyArn);
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page).toHaveURL(/\/review$/);
  await expectNoSeriousViolations(page, "review");
  await page.goto(`/environments/new/${draftId}/encryption`);
  await expectNoSeriousViolations(page, "encryption");
  await page.goto(`/environments/${draftId}`);
  await expectNoSeriousViolations(page, "environment page (draft)");
});

/**
 * Presses `key` until `target` has the focus, as a keyboard user moves through a page; fails
 * when it never gets there (not in the tab order, or hidden).
 */
async function pressUntilFocused(page: Page, target: Locator, key: "Tab" | "Shift+Tab" = "Tab") {
  for (let presses = 0; presses < 60; presses += 1) {
    await page.keyboard.press(key);
    if (await target.evaluate((element) => element === document.activeElement)) return;
  }
  throw new Error(`${key} never reached ${target.toString()}`);
}

test("the wizard works by keyboard alone", async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, demoUsers.acme.email);
  await expect(page).toHaveURL(/\/environments$/);
  // Every step below is a key press: Tab / Shift+Tab to move, Enter, Space and arrows to act.
  await page.waitForLoadState("networkidle");
  await pressUntilFocused(page, page.getByRole("link", { name: "Create environment" }));
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/environments\/new$/);

  await pressUntilFocused(page, page.getByLabel("Environment name"));
  await page.keyboard.type(`Keyboard ${Date.now().toString(36)}`);
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Region")).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("button", { name: "Next" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/encryption$/);

  // Tab enters the radio group at the chosen option; the arrow keys change the choice.
  await pressUntilFocused(page, page.getByLabel("Vendor-managed"));
  await expect(page.getByLabel("Vendor-managed")).toBeChecked();
  await page.keyboard.press("ArrowDown");
  await expect(page.getByLabel("Customer-managed (BYOK)")).toBeChecked();
  await expect(page.getByLabel("Customer-managed (BYOK)")).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("button", { name: "Next" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/keys$/);
  // The customer makes the keys in AWS meanwhile; back on the page, the keyboard starts from the top.
  const keys = await realKeys(page);
  await page.reload();

  // Tabs: one tab stop for the list, arrow keys between tabs.
  await pressUntilFocused(page, page.getByRole("tab", { name: "Key policy statements" }));
  await page.keyboard.press("ArrowRight");
  await expect(page.getByRole("tab", { name: "CloudFormation template" })).toBeFocused();
  await expect(page.getByRole("tab", { name: "CloudFormation template" })).toHaveAttribute("aria-selected", "true");
  await expect(page.getByRole("link", { name: "Download template" })).toBeVisible();
  await pressUntilFocused(page, page.getByRole("button", { name: "Next" }));
  await page.keyboard.press("Space");
  await expect(page).toHaveURL(/\/key-arns$/);

  await pressUntilFocused(page, page.getByLabel("S3 key ARN"));
  await page.keyboard.type(keys.s3KeyArn);
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("RDS key ARN")).toBeFocused();
  await page.keyboard.type(keys.rdsKeyArn);
  await page.keyboard.press("Tab");
  await expect(page.getByRole("button", { name: "Next" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/review$/);

  await pressUntilFocused(page, page.getByRole("button", { name: "Create environment" }));
  // Back to the encryption step's "Change" link, which opens that step again.
  await page.keyboard.press("Shift+Tab");
  await expect(page.getByRole("link", { name: "Change encryption" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/encryption$/);
  await expect(page.getByLabel("Customer-managed (BYOK)")).toBeChecked();
});
