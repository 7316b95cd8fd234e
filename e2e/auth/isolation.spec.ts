import { demoUsers, expect, insertDraftEnvironment, signIn, test } from "../fixtures/portal";

test("an Acme admin can neither list nor open a Globex environment (404, not 403)", async ({ page }) => {
  const globexEnvironment = await insertDraftEnvironment("globex");
  const acmeEnvironment = await insertDraftEnvironment("acme");

  await signIn(page, demoUsers.acme.email);
  await page.goto("/environments");
  await expect(page.getByRole("link", { name: acmeEnvironment.name })).toBeVisible();
  await expect(page.getByText(globexEnvironment.name)).toHaveCount(0);

  const response = await page.goto(`/environments/${globexEnvironment.id}`);
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await expect(page.getByText(globexEnvironment.name)).toHaveCount(0);

  // A malformed id and a non-existent one look exactly the same.
  expect((await page.goto("/environments/not-a-uuid"))?.status()).toBe(404);
  expect((await page.goto("/environments/00000000-0000-4000-8000-000000000000"))?.status()).toBe(404);

  // Its own environment opens.
  expect((await page.goto(`/environments/${acmeEnvironment.id}`))?.status()).toBe(200);
  await expect(page.getByRole("heading", { name: acmeEnvironment.name })).toBeVisible();
});

test("the Globex admin sees its own environment", async ({ page }) => {
  const globexEnvironment = await insertDraftEnvironment("globex");
  await signIn(page, demoUsers.globex.email);
  expect((await page.goto(`/environments/${globexEnvironment.id}`))?.status()).toBe(200);
});

test("customers get a 404 for the support console", async ({ page }) => {
  await signIn(page, demoUsers.acme.email);
  expect((await page.goto("/support"))?.status()).toBe(404);
});

test("unauthenticated requests to any page redirect to sign-in; API calls get 401", async ({ page, request }) => {
  const globexEnvironment = await insertDraftEnvironment("globex");
  for (const path of ["/", "/environments", "/environments/new", `/environments/${globexEnvironment.id}`, "/support", "/no-such-page"]) {
    const response = await request.get(path, { maxRedirects: 0 });
    expect(response.status(), path).toBe(307);
    expect(response.headers().location, path).toMatch(/\/sign-in/);
  }
  await page.goto("/environments");
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fenvironments$/);
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  const api = await request.get("/api/environments", { maxRedirects: 0 });
  expect(api.status()).toBe(401);
  const health = await request.get("/api/health");
  expect(health.status()).toBe(200);
  expect(await health.json()).toMatchObject({ database: { status: "up" } });
});
