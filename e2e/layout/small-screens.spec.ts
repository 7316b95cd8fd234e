import { expect, type Page } from "@playwright/test";
import { demoUsers, signIn, test } from "../fixtures/portal";
import { startByokDraft } from "../fixtures/wizard";

/**
 * Small screens (a 390 px phone): no page is wider than the viewport. Tables scroll inside their
 * own container; the header and the rest wrap.
 */
test.use({ viewport: { width: 390, height: 844 } });

async function expectNoOverflow(page: Page, path: string) {
  await page.goto(path);
  await page.waitForLoadState("load");
  const width = await page.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth));
  expect(width, `${path} is ${width} px wide`).toBeLessThanOrEqual(390);
}

test("customer pages fit a 390 px screen", async ({ page }) => {
  await expectNoOverflow(page, "/sign-in");
  await signIn(page, demoUsers.acme.email);
  const draftId = await startByokDraft(page, `Narrow ${Date.now().toString(36)}`);
  for (const path of [
    "/environments",
    "/environments/new",
    `/environments/new/${draftId}/basics`,
    `/environments/new/${draftId}/encryption`,
    `/environments/new/${draftId}/keys`,
    `/environments/new/${draftId}/key-arns`,
    `/environments/${draftId}`,
    "/notifications",
    "/settings/alerts",
  ]) {
    await expectNoOverflow(page, path);
  }
  // Every environment page the list links to, whatever its state.
  await page.goto("/environments");
  const links = await page.locator('a[href^="/environments/"]').evaluateAll((anchors) => anchors.map((anchor) => anchor.getAttribute("href") ?? ""));
  for (const href of [...new Set(links)].filter((link) => /^\/environments\/[0-9a-f-]{36}$/.test(link)).slice(0, 5)) await expectNoOverflow(page, href);
});

test("support pages fit a 390 px screen", async ({ page }) => {
  await signIn(page, demoUsers.support.email);
  await expectNoOverflow(page, "/support/tenants");
  const tenant = await page.locator('a[href^="/support/tenants/"]').first().getAttribute("href");
  await expectNoOverflow(page, tenant ?? "/support/tenants");
  const environment = await page.locator('a[href^="/support/environments/"]').first().getAttribute("href");
  if (environment) await expectNoOverflow(page, environment);
});
