import { demoUsers, expect, signIn, test } from "../fixtures/portal";

declare global {
  interface Window {
    next?: { version?: string };
  }
}

test("under next dev at 127.0.0.1, the portal's scripts load and run: sign in and complete step 1 of the wizard", { tag: "@next-dev" }, async ({ page, baseURL }) => {
  expect(baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  // The dev server refuses its scripts and chunks to an origin it does not know; each of them must load.
  const refused: string[] = [];
  page.on("response", (response) => {
    if (new URL(response.url()).pathname.startsWith("/_next/") && response.status() >= 400) refused.push(`${response.status()} ${response.url()}`);
  });
  page.on("requestfailed", (request) => {
    // A load the browser itself gave up on (the page moved on meanwhile) is no refusal.
    const reason = request.failure()?.errorText ?? "";
    if (new URL(request.url()).pathname.startsWith("/_next/") && reason !== "net::ERR_ABORTED") refused.push(`${reason} ${request.url()}`);
  });

  await signIn(page, demoUsers.acme.email);
  expect(new URL(page.url()).host).toBe(new URL(baseURL ?? "").host);
  await page.goto("/environments");
  await page.getByRole("link", { name: "Create environment" }).click();
  await expect(page).toHaveURL(/\/environments\/new/);
  // The basics form is submitted by its script (react-hook-form): without JavaScript, Next would reload this page instead.
  await expect.poll(() => page.evaluate(() => typeof window.next?.version)).toBe("string");
  // Checked in the browser, by the form's script: an empty name is refused without leaving the page.
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByText(/Enter a name for the environment|Use at least 3 characters/)).toBeVisible();
  await page.getByLabel("Environment name").fill(`Loopback ${Date.now().toString(36)}`);
  await page.getByLabel("Region").selectOption("eu-west-1");
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page).toHaveURL(/^http:\/\/127\.0\.0\.1:\d+\/environments\/new\/[0-9a-f-]{36}\/encryption$/);
  await expect(page.getByLabel("Customer-managed (BYOK)")).toBeVisible();
  expect(refused).toEqual([]);
});
