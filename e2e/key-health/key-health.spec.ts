import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import type { Browser, Locator, Page } from "@playwright/test";
import { aws, customerWorkspace, runDisplayedCommand, sandboxUrl } from "../fixtures/aws-cli";
import { createKeyWithStatements } from "../fixtures/customer-keys";
import { createCustomerOrganization, demoUsers, expect, signIn, test } from "../fixtures/portal";
import { createFromReview, fillKeyArns, snippet, startByokDraft, statements, waitForStatus } from "../fixtures/wizard";
import { startWebhookReceiver, type WebhookReceiver } from "../../lib/webhooks/__testing__/receiver";

/**
 * Key health (issue 13, F9) against the sandbox: the customer changes their own keys with the
 * AWS CLI and the environment page follows. "Check now" is limited to once a minute per
 * environment, so each environment gets at most one manual check (customer or support); every
 * later change is picked up by the scheduled checks, which the e2e server runs every 30 s
 * (KEY_HEALTH_INTERVAL_SECONDS, scripts/e2e.ts), seen through the region's polling: no reload.
 */

const REGION = "eu-west-1";
/** One interval of 30 s with its jitter, a check's own time and the page's 10 s poll, with room to spare. */
const SCHEDULED_CHECK_TIMEOUT = 90_000;

type Workspace = ReturnType<typeof customerWorkspace>;

const shots = (name: string) => path.join("test-results", "key-health-screenshots", `${name}.png`);

/** A fresh organization's Ready environment on keys made with the manual route (create-key + the copied statements). */
async function readyByokEnvironment(page: Page, stem: string) {
  const workspace = customerWorkspace();
  const admin = await createCustomerOrganization(stem);
  await signIn(page, admin.email);
  await startByokDraft(page, `Health ${Date.now().toString(36)}`, REGION);
  const s3KeyArn = await createKeyWithStatements(workspace, REGION, await statements(page, "S3 key statements"));
  const rdsKeyArn = await createKeyWithStatements(workspace, REGION, await statements(page, "Aurora (RDS) key statements"));
  await page.getByRole("button", { name: "Next" }).click();
  await fillKeyArns(page, s3KeyArn, rdsKeyArn);
  await page.getByRole("button", { name: "Next" }).click();
  await createFromReview(page);
  await waitForStatus(page, "Ready");
  const environmentId = /\/environments\/([0-9a-f-]{36})$/.exec(page.url())?.[1];
  if (!environmentId) throw new Error(`no environment id in ${page.url()}`);
  return { workspace, s3KeyArn, rdsKeyArn, environmentId, url: page.url() };
}

let receiver: WebhookReceiver;

test.beforeAll(async () => {
  receiver = await startWebhookReceiver();
});

test.afterAll(async () => {
  await receiver?.close();
});

/** The organization's alert webhook, set up as the admin would; returns the signing secret shown once. */
async function alertWebhook(page: Page, returnTo: string): Promise<string> {
  await page.goto("/settings/alerts");
  await page.getByLabel("Webhook URL").fill(receiver.url);
  await page.getByRole("button", { name: "Save webhook" }).click();
  const secret = (await page.getByTestId("webhook-secret").innerText()).trim();
  await page.goto(returnTo);
  return secret;
}

function keyHealthRegion(page: Page): Locator {
  return page.getByRole("region", { name: "Key health", exact: true });
}

/** The state the region shows in words (its badge). */
function stateOf(region: Locator): Locator {
  return region.getByTestId("key-health-state");
}

/** The displayed commands run as the customer's shell would: the profile from the environment, nothing else added. */
function shellOf(workspace: Workspace): Workspace {
  return { ...workspace, env: { ...workspace.env, AWS_PROFILE: "byok" } };
}

async function supportPage(browser: Browser, environmentId: string): Promise<Page> {
  const support = await (await browser.newContext()).newPage();
  await signIn(support, demoUsers.support.email);
  await support.goto(`/support/environments/${environmentId}`);
  return support;
}

async function expectNoSeriousAccessibilityProblems(page: Page) {
  const { violations } = await new AxeBuilder({ page }).include("section").analyze();
  expect(violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical")).toEqual([]);
}

test("a disabled S3 key: Check now says Key disabled, enabling it is noticed, and a second disable is noticed without a click", async ({ page, browser }) => {
  test.setTimeout(360_000);
  const { workspace, s3KeyArn, environmentId, url } = await readyByokEnvironment(page, "keyhealth");
  const secret = await alertWebhook(page, url);
  const region = keyHealthRegion(page);
  await expect(region).toBeVisible();
  await expect(region.getByRole("heading", { name: "Key health", exact: true })).toBeVisible();

  await aws(["kms", "disable-key", "--region", REGION, "--key-id", s3KeyArn], workspace);
  await region.getByRole("button", { name: "Check now" }).click();
  await expect(region.getByRole("status").filter({ hasText: "Checked at" })).toBeVisible({ timeout: 30_000 });
  await expect(stateOf(region)).toHaveText("Key disabled");
  await expect(region).toContainText("The S3 key is disabled.");
  // The sandbox's keys start with automatic rotation off, as KMS's do.
  await expect(region.getByTestId("key-health-rotation")).toHaveText("Rotation off");
  await expect(region.getByRole("heading", { name: "Trace the platform's use of your keys" })).toBeVisible();
  expect(await snippet(page, "CloudTrail events for the S3 key")).toBe(
    `aws cloudtrail lookup-events --region ${REGION} --endpoint-url ${sandboxUrl()} --lookup-attributes AttributeKey=ResourceName,AttributeValue=${s3KeyArn}`,
  );
  await region.screenshot({ path: shots("1-key-disabled") });
  await expectNoSeriousAccessibilityProblems(page);

  // The alert: the header counts it (a fresh organization has no other), the Notifications page says what happened.
  // … and the webhook receives it, signed with the organization's secret.
  const degraded = await receiver.waitFor((received) => received.event === "key-health.degraded" && received.body.includes(environmentId), 30_000);
  expect(degraded.verify(secret)).toMatchObject({ ok: true });
  expect(JSON.parse(degraded.body)).toMatchObject({ type: "key-health.degraded", environmentId, severity: "critical" });
  await page.getByRole("link", { name: "Notifications, 1 unread" }).click();
  await expect(page.getByRole("heading", { level: 2, name: /^Key disabled: the S3 key of / })).toBeVisible();
  await page.goto(url);

  // The fix as the page shows it, run as shown.
  const enable = await snippet(page, "Enable the S3 key");
  expect(enable).toBe(`aws kms enable-key --key-id ${s3KeyArn} --region ${REGION} --endpoint-url ${sandboxUrl()}`);
  await runDisplayedCommand(enable, shellOf(workspace));
  await expect(stateOf(region)).toHaveText("Healthy", { timeout: SCHEDULED_CHECK_TIMEOUT });
  const history = region.getByRole("list", { name: "History" });
  await expect(history.getByRole("listitem").first()).toContainText("Key disabled → Healthy");
  const recovered = await receiver.waitFor((received) => received.event === "key-health.recovered" && received.body.includes(environmentId), 30_000);
  expect(recovered.verify(secret)).toMatchObject({ ok: true });

  // No click and no reload from here on: the scheduled check notices, the page's polling shows it.
  await page.evaluate(() => {
    (window as unknown as { sameDocument?: boolean }).sameDocument = true;
  });
  await aws(["kms", "disable-key", "--region", REGION, "--key-id", s3KeyArn], workspace);
  await expect(stateOf(region)).toHaveText("Key disabled", { timeout: SCHEDULED_CHECK_TIMEOUT });
  await expect(history.getByRole("listitem").first()).toContainText("Healthy → Key disabled");
  await expect(history.getByRole("listitem").first()).toContainText("Scheduled check");
  expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);

  // Vendor support sees the same state and history.
  const support = await supportPage(browser, environmentId);
  const supportRegion = keyHealthRegion(support);
  await expect(stateOf(supportRegion)).toHaveText("Key disabled");
  await expect(supportRegion.getByRole("list", { name: "History" }).getByRole("listitem")).toHaveCount(await history.getByRole("listitem").count());
  await expect(supportRegion.getByRole("list", { name: "History" })).toContainText("Key disabled → Healthy");
});

test("an RDS key scheduled for deletion: support's Check now finds it, the customer sees the date and the cancel command, and the fix is noticed", async ({ page, browser }) => {
  test.setTimeout(360_000);
  const { workspace, rdsKeyArn, environmentId } = await readyByokEnvironment(page, "keyhealthdel");
  const region = keyHealthRegion(page);
  await expect(region).toBeVisible();

  const scheduled = JSON.parse(await aws(["kms", "schedule-key-deletion", "--region", REGION, "--key-id", rdsKeyArn, "--pending-window-in-days", "7"], workspace)) as {
    DeletionDate: string;
  };
  const deletionDay = new Date(scheduled.DeletionDate).toISOString().slice(0, 10);

  // Support's Check now: the one manual check of this environment.
  const support = await supportPage(browser, environmentId);
  const supportRegion = keyHealthRegion(support);
  await supportRegion.getByRole("button", { name: "Check now" }).click();
  await expect(supportRegion.getByRole("status").filter({ hasText: "Checked at" })).toBeVisible({ timeout: 30_000 });
  await expect(stateOf(supportRegion)).toHaveText("Pending deletion");
  // A second manual check within the minute is refused with the wait, whoever asks.
  await page.reload();
  await region.getByRole("button", { name: "Check now" }).click();
  await expect(region.getByRole("status").filter({ hasText: /Checked less than a minute ago\. Try again in \d+ seconds?\./ })).toBeVisible();

  // The customer's page: the state, the deletion date and the commands that undo it.
  await expect(stateOf(region)).toHaveText("Pending deletion");
  await expect(region.getByTestId("deletion-date-rds")).toHaveText(deletionDay);
  const cancel = await snippet(page, "Cancel the deletion of the RDS key");
  expect(cancel).toBe(`aws kms cancel-key-deletion --key-id ${rdsKeyArn} --region ${REGION} --endpoint-url ${sandboxUrl()}`);
  const enable = await snippet(page, "Enable the RDS key");
  await region.screenshot({ path: shots("2-pending-deletion") });
  await support.screenshot({ path: shots("3-support-pending-deletion"), fullPage: true });
  await expectNoSeriousAccessibilityProblems(page);
  await runDisplayedCommand(cancel, shellOf(workspace));
  await runDisplayedCommand(enable, shellOf(workspace));

  await expect(stateOf(region)).toHaveText("Healthy", { timeout: SCHEDULED_CHECK_TIMEOUT });
  // Between the two commands the key is briefly disabled: a scheduled check may see that on the way back.
  const recovery = region.getByRole("list", { name: "History" });
  await expect(recovery.getByRole("listitem").first()).toContainText(/(Pending deletion|Key disabled) → Healthy/);
  await expect(recovery).toContainText("Healthy → Pending deletion");
  await region.screenshot({ path: shots("4-healthy-again") });
  // Support's page, open all along, follows through its own polling.
  await expect(stateOf(supportRegion)).toHaveText("Healthy", { timeout: 30_000 });
});
