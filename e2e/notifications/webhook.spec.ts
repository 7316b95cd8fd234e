import { createCustomerOrganization, expect, signIn, test } from "../fixtures/portal";
import { startWebhookReceiver, type WebhookReceiver } from "../../lib/webhooks/__testing__/receiver";

/**
 * Alerts out of the portal, as a customer admin sets them up: a webhook to a local receiver,
 * its secret shown once and copied, a test alert delivered, signed and logged; and the header's
 * Notifications entry with its unread count, cleared by "Mark all as read". A fresh
 * organization, so other specs' alerts never change the counts.
 */

let receiver: WebhookReceiver;

test.beforeAll(async () => {
  receiver = await startWebhookReceiver();
});

test.afterAll(async () => {
  await receiver?.close();
});

test("a test alert reaches the webhook signed with the secret shown once, and shows in Notifications until marked read", async ({ page, context }) => {
  const admin = await createCustomerOrganization("webhook");
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await signIn(page, admin.email);

  const header = page.getByRole("banner");
  await expect(header.getByRole("link", { name: "Notifications, none unread" })).toBeVisible();

  await page.goto("/settings/alerts");
  await expect(page.getByRole("heading", { name: "Alert settings", exact: true })).toBeVisible();
  await expect(page.getByText("Nothing sent yet.")).toBeVisible();

  // A URL the rules refuse is explained under the field.
  await page.getByLabel("Webhook URL").fill("http://alerts.example.com/hook");
  await page.getByRole("button", { name: "Save webhook" }).click();
  await expect(page.getByText("Use an https:// URL: alerts are only sent over HTTPS.")).toBeVisible();

  await page.getByLabel("Webhook URL").fill(receiver.url);
  await page.getByRole("button", { name: "Save webhook" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Webhook saved" })).toBeVisible();
  const secretRegion = page.getByRole("region", { name: "Signing secret" });
  await expect(secretRegion).toBeVisible();
  await secretRegion.getByRole("button", { name: "Copy the signing secret" }).click();
  await expect(secretRegion.getByRole("status")).toHaveText("Copied to the clipboard");
  const secret = await page.evaluate(() => navigator.clipboard.readText());
  expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
  await expect(page.getByTestId("webhook-secret")).toHaveText(secret);

  await page.getByRole("button", { name: "Send test" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Test alert sent" })).toBeVisible();

  const log = page.getByRole("table", { name: "Delivery log" });
  const row = log.getByRole("row").filter({ hasText: "Test alert" });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("Delivered", { timeout: 20_000 });
  await expect(row.getByRole("cell").nth(3)).toHaveText("1");
  await expect(row.getByRole("cell").nth(4)).toHaveText("200");

  const request = await receiver.waitFor((received) => received.event === "webhook.test" && received.body.includes(admin.organizationId));
  expect(request.headers["content-type"]).toBe("application/json");
  expect(request.verify(secret)).toMatchObject({ ok: true });
  expect(request.verify("whsec_not-the-secret")).toMatchObject({ ok: false });
  expect(JSON.parse(request.body)).toMatchObject({ type: "webhook.test", severity: "info", title: "Test alert", organizationId: admin.organizationId });

  // Reloaded, the page never shows the secret again.
  await page.reload();
  await expect(page.getByTestId("webhook-secret")).toHaveCount(0);
  expect(await page.content()).not.toContain(secret);

  const notifications = header.getByRole("link", { name: "Notifications, 1 unread" });
  await expect(notifications).toBeVisible();
  await notifications.click();
  await expect(page).toHaveURL(/\/notifications$/);
  const list = page.getByRole("list", { name: "Notifications, newest first" });
  await expect(list.getByRole("listitem")).toHaveCount(1);
  await expect(list.getByRole("listitem").first()).toContainText("Information");
  await expect(list.getByRole("heading", { name: "Test alert" })).toBeVisible();

  await page.getByRole("button", { name: "Mark all as read" }).click();
  await expect(page.getByRole("status").filter({ hasText: "1 notification marked as read." })).toBeVisible();
  await expect(header.getByRole("link", { name: "Notifications, none unread" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Mark all as read" })).toBeDisabled();
});
