import { demoUsers, DEMO_PASSWORD, expect, signIn, test } from "../fixtures/portal";

/** `next` values as they arrive in the query string: each one left the origin or broke the redirect before. */
const hostileNext = [
  "/%09/evil.example",
  "/%09%5Cevil.example",
  "/%0a/evil.example",
  "/%0d%0aSet-Cookie:%20a=b",
  "/%0A%0D/evil.example",
  "//evil.example",
  "/%5Cevil.example",
  "/%5C%5Cevil.example",
  "%2F%2Fevil.example",
  "/%2F%2Fevil.example",
  "/%252F%252Fevil.example",
  "https://evil.example/",
  "https:evil.example",
  "javascript:alert(1)",
  "/%00/evil.example",
];

test("signed in, /sign-in?next=… only ever redirects within the portal, never with a 500", async ({ page, baseURL }) => {
  await signIn(page, demoUsers.acme.email);
  for (const next of hostileNext) {
    const response = await page.goto(`/sign-in?next=${next}`);
    expect(response?.status(), next).toBeLessThan(500);
    expect(new URL(page.url()).origin, next).toBe(new URL(baseURL ?? "").origin);
    await expect(page.getByRole("heading", { name: "Environments", exact: true }), next).toBeVisible();
  }
});

test("the sign-in form's redirect stays within the portal for the same values", async ({ page, baseURL }) => {
  for (const next of ["/%09/evil.example", "/%09%5Cevil.example", "/%0a/evil.example"]) {
    await page.context().clearCookies();
    const response = await page.goto(`/sign-in?next=${next}`);
    expect(response?.status(), next).toBe(200);
    await page.getByLabel("Email").fill(demoUsers.acme.email);
    await page.getByLabel("Password").fill(DEMO_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("heading", { name: "Environments", exact: true }), next).toBeVisible();
    expect(new URL(page.url()).origin, next).toBe(new URL(baseURL ?? "").origin);
  }
});

test("a safe next path is still followed after sign-in", async ({ page }) => {
  await page.goto("/sign-in?next=%2Fenvironments%2Fnew");
  await page.getByLabel("Email").fill(demoUsers.acme.email);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/environments\/new/);
});
