import { loopbackAddress, signInOverHttp } from "../fixtures/http-client";
import type { Page } from "@playwright/test";
import { createCustomerOrganization, DEMO_PASSWORD, expect, signIn, test, withDatabase } from "../fixtures/portal";

const WAIT_A_MINUTE = "Too many sign-in attempts. Try again in 1 minute.";

/** One attempt through the sign-in form, waiting for its answer (the previous attempt's message is still on screen). */
async function submitSignInForm(page: Page, email: string, password: string) {
  await expect(page.getByRole("button", { name: "Sign in" })).toBeEnabled();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await Promise.all([
    page.waitForResponse((response) => response.request().method() === "POST" && new URL(response.url()).pathname === "/sign-in"),
    page.getByRole("button", { name: "Sign in" }).click(),
  ]);
}

test("the form: five wrong passwords, then even the right one is refused with the time to wait, whatever X-Forwarded-For says", async ({ page }) => {
  const { email } = await createCustomerOrganization("bruteform");
  await page.goto("/sign-in");
  for (let attempt = 1; attempt <= 5; attempt++) {
    await page.setExtraHTTPHeaders({ "x-forwarded-for": `198.51.100.${attempt}` });
    await submitSignInForm(page, email, `guess-${attempt}`);
    await expect(page.locator("form").getByRole("alert")).toHaveText("The email or password is not correct.");
  }
  await page.setExtraHTTPHeaders({ "x-forwarded-for": "192.0.2.200" });
  await submitSignInForm(page, email, DEMO_PASSWORD);
  await expect(page.locator("form").getByRole("alert")).toHaveText(WAIT_A_MINUTE);
  await expect(page).toHaveURL(/\/sign-in/);
});

test("the API: 30 wrong passwords with a new X-Forwarded-For each, then the right one: 429, and the form refuses the account too", async ({ page, baseURL }) => {
  const { email } = await createCustomerOrganization("bruteapi");
  const client = loopbackAddress(1);
  const statuses: number[] = [];
  for (let attempt = 1; attempt <= 30; attempt++) {
    statuses.push((await signInOverHttp(baseURL ?? "", client, { email, password: `guess-${attempt}` }, `203.0.113.${attempt}, 10.0.0.${attempt}`)).status);
  }
  expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
  expect(new Set(statuses.slice(5))).toEqual(new Set([429]));

  const right = await signInOverHttp(baseURL ?? "", client, { email, password: DEMO_PASSWORD }, "192.0.2.1");
  expect(right.status).toBe(429);
  expect(right.headers["retry-after"]).toMatch(/^\d+$/);
  expect(JSON.parse(right.body)).toMatchObject({ message: WAIT_A_MINUTE });
  expect(right.headers["set-cookie"]).toBeUndefined();

  // Another address, the browser's: the account itself is blocked, on the form's path too.
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator("form").getByRole("alert")).toHaveText(WAIT_A_MINUTE);

  // Only hashes and addresses are kept, never the e-mail address.
  const keys = await withDatabase(async (client) => (await client.query<{ key: string }>("SELECT key FROM sign_in_throttle")).rows.map((row) => row.key));
  expect(keys.some((key) => key.includes(email))).toBe(false);
});

test("one client address: twenty failures on other accounts, then even a real account's right password is refused from it, not from elsewhere", async ({ baseURL }) => {
  const { email } = await createCustomerOrganization("bruteaddress");
  const attacker = loopbackAddress(2);
  for (let attempt = 1; attempt <= 20; attempt++) {
    const response = await signInOverHttp(baseURL ?? "", attacker, { email: `nobody-${attempt}@spray.example`, password: "guess" }, `198.51.100.${attempt}`);
    expect(response.status, `attempt ${attempt}`).toBe(401);
  }
  const fromAttacker = await signInOverHttp(baseURL ?? "", attacker, { email, password: DEMO_PASSWORD }, "192.0.2.50");
  expect(fromAttacker.status).toBe(429);
  expect(JSON.parse(fromAttacker.body)).toMatchObject({ message: WAIT_A_MINUTE });
  const fromElsewhere = await signInOverHttp(baseURL ?? "", loopbackAddress(3), { email, password: DEMO_PASSWORD });
  expect(fromElsewhere.status).toBe(200);
});

test("sign-in outcomes and sign-out are audited with the reason class and the client address, never the password", async ({ page }) => {
  const { email, organizationId } = await createCustomerOrganization("auditsignin");
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("guess-audited");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator("form").getByRole("alert")).toHaveText("The email or password is not correct.");
  await signIn(page, email);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in/);

  const events = await withDatabase(async (client) =>
    (
      await client.query<{ action: string; details: Record<string, unknown>; ipAddress: string | null; actorEmail: string }>(
        `SELECT a.action, a.details, a."ipAddress", u.email AS "actorEmail" FROM audit_event a JOIN "user" u ON u.id = a."actorUserId"
          WHERE a."organizationId" = $1 AND a.action LIKE 'auth.%' ORDER BY a.sequence`,
        [organizationId],
      )
    ).rows,
  );
  expect(events.map((event) => [event.action, event.details])).toEqual([
    ["auth.sign-in.failed", { reason: "wrong-password" }],
    ["auth.sign-in.succeeded", {}],
    ["auth.signed-out", {}],
  ]);
  for (const event of events) {
    expect(event.actorEmail).toBe(email);
    expect(event.ipAddress).toMatch(/^(127\.0\.0\.1|::1)$/);
  }
  expect(JSON.stringify(events)).not.toContain("guess-audited");
});
