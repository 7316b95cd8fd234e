import { demoUsers, expect, signIn, test } from "../fixtures/portal";

test("the Acme admin signs in and lands on Acme's environments", async ({ page }) => {
  await signIn(page, demoUsers.acme.email);
  await expect(page).toHaveURL(/\/environments$/);
  await expect(page.getByRole("heading", { name: "Environments", exact: true })).toBeVisible();
  await expect(page.getByRole("banner")).toContainText("Acme Corp");
  await expect(page.getByRole("link", { name: "Create environment" })).toBeVisible();
});

test("the Globex admin signs in and lands on Globex's environments", async ({ page }) => {
  await signIn(page, demoUsers.globex.email);
  await expect(page).toHaveURL(/\/environments$/);
  await expect(page.getByRole("banner")).toContainText("Globex");
});

test("the support user signs in to the support console", async ({ page }) => {
  await signIn(page, demoUsers.support.email);
  await expect(page).toHaveURL(/\/support/);
  await expect(page.getByRole("heading", { name: "Tenants", exact: true })).toBeVisible();
  await expect(page.getByRole("table")).toContainText("Acme Corp");
});

test("a wrong password is refused with one message that does not reveal which part was wrong", async ({ page }) => {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(demoUsers.acme.email);
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator("form").getByRole("alert")).toHaveText("The email or password is not correct.");
  await page.getByLabel("Email").fill("nobody@acme.example");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator("form").getByRole("alert")).toHaveText("The email or password is not correct.");
});

test("signing out ends the session", async ({ page }) => {
  await signIn(page, demoUsers.acme.email);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  await page.goto("/environments");
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fenvironments/);
});
