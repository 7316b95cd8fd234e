import type { APIRequestContext } from "@playwright/test";
import { demoUsers, DEMO_PASSWORD, expect, insertDraftEnvironment, signIn, test, withDatabase } from "../fixtures/portal";

/**
 * Hostile requests over HTTP against a production build: server actions (the action id read
 * from the page, as any client could) and every route handler. Nothing answers 500.
 */

/**
 * The server action behind the page's form that contains `text`, read from the server-rendered
 * HTML as any client could (React renders the action's id into a progressively enhanced form).
 */
async function actionIdOf(request: APIRequestContext, path: string, text: string): Promise<string> {
  const html = await (await request.get(path)).text();
  const form = html.split("<form").slice(1).find((part) => part.includes(`>${text}<`)) ?? "";
  const id = /name="\$ACTION_\d+:0" value="\{&quot;id&quot;:&quot;([0-9a-f]+)&quot;/.exec(form)?.[1];
  if (!id) throw new Error(`no server action in the form with "${text}" on ${path}`);
  return id;
}

const malformedBodies = ["{{{", "[", "", '"\\u0000"', '"$$x"', '["$@99"]', '["$Q0"]', '["$h1"]', '["$T"]', '["$n"]', '["$K1"]', "[{\"__proto__\":{\"polluted\":1}}]", "[null,{\"constructor\":{\"prototype\":{\"x\":1}}}]", "[1,2,3]", '["\\u0000"]'];

test("sign-in and sign-out actions: malformed bodies are a 400 or a validation answer, oversize bodies a 413, never a 500", async ({ page, baseURL }) => {
  const origin = { origin: baseURL ?? "" };
  const signInAction = await actionIdOf(page.request, "/sign-in", "Sign in");
  for (const body of malformedBodies) {
    const response = await page.request.post("/sign-in", { headers: { "next-action": signInAction, "content-type": "text/plain;charset=UTF-8", ...origin }, data: body });
    expect(response.status(), `sign-in ${body}`).toBeLessThan(500);
    expect([200, 400], `sign-in ${body}`).toContain(response.status());
  }
  const oversize = await page.request.post("/sign-in", { headers: { "next-action": signInAction, "content-type": "text/plain;charset=UTF-8", ...origin }, data: `["${"x".repeat(1024 * 1024 + 10)}"]` });
  expect(oversize.status()).toBe(413);
  expect(await oversize.json()).toEqual({ error: "The request is larger than 1 MB." });

  await signIn(page, demoUsers.acme.email);
  const signOutAction = await actionIdOf(page.request, "/environments", "Sign out");
  for (const body of malformedBodies) {
    const response = await page.request.post("/environments", { headers: { "next-action": signOutAction, "content-type": "text/plain;charset=UTF-8", ...origin }, data: body });
    expect([200, 303, 400], `sign-out ${body}`).toContain(response.status());
  }
  const multipartGarbage = await page.request.post("/environments", {
    headers: { "next-action": signOutAction, "content-type": "multipart/form-data; boundary=xyz", ...origin },
    data: "--nope\r\nContent-Disposition: form-data\r\n\r\n",
  });
  expect(multipartGarbage.status()).toBe(400);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

test("the sign-in form refuses control characters with a message, and the API answers 400", async ({ page, request }) => {
  const api = await request.post("/api/auth/sign-in/email", { data: { email: `${demoUsers.acme.email}\u0000`, password: DEMO_PASSWORD } });
  expect(api.status()).toBe(400);
  expect(await api.json()).toMatchObject({ message: 'The field "email" contains a control character (such as NUL) that is not allowed. Remove it and try again.' });
  for (const [body, status] of [
    ["{not json", 400],
    [JSON.stringify({ email: 42, password: ["x"] }), 400],
    [JSON.stringify({ email: demoUsers.acme.email, password: "x".repeat(300_000) }), 400],
    [JSON.stringify([]), 400],
  ] as const) {
    const response = await request.post("/api/auth/sign-in/email", { headers: { "content-type": "application/json" }, data: body });
    expect(response.status(), body.slice(0, 40)).toBe(status);
  }
  const huge = await request.post("/api/auth/sign-in/email", { headers: { "content-type": "application/json" }, data: JSON.stringify({ email: "a@b.example", password: "x".repeat(2 * 1024 * 1024) }) });
  expect(huge.status()).toBe(413);

  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(demoUsers.acme.email);
  await page.getByLabel("Password").fill("pass\u0001word");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText('The field "password" contains a control character (such as NUL) that is not allowed. Remove it and try again.')).toBeVisible();
});

test("a support note holding NUL is refused with a message naming the field, and nothing is stored cut short", async ({ page }) => {
  const organizationId = await withDatabase(async (client) => (await client.query<{ id: string }>("SELECT id FROM organization WHERE slug = 'globex'")).rows[0]?.id ?? "");
  await signIn(page, demoUsers.support.email);
  await page.goto(`/support/tenants/${organizationId}`);
  const marker = `nul-${Date.now().toString(36)}`;
  for (const note of ["\u0000", `${marker}\u0000def`]) {
    await page.getByLabel("Add an internal note").fill(note);
    await page.getByRole("button", { name: "Save note" }).click();
    await expect(page.getByRole("status")).toHaveText('The field "body" contains a control character (such as NUL) that is not allowed. Remove it and try again.');
  }
  const stored = await withDatabase(async (client) => (await client.query("SELECT 1 FROM support_note WHERE body LIKE $1 OR body = ''", [`${marker}%`])).rowCount);
  expect(stored).toBe(0);
});

const hostileSegments = ["%00", "abc%00def", "%01%1f", "x".repeat(5000), "%F0%9F%98%80", "..%2F..%2Fetc", "__proto__", "constructor", "'%20OR%201=1--", "%uD800", "%E0%A4%A", "00000000-0000-0000-0000-000000000000"];
const hostileQueries = ["format=%00", "format=json%00", "format=csv&format=json", "format[]=x", "format=" + "j".repeat(5000), "__proto__[x]=1", "cursor=%00", "q=%00"];

test("every route handler answers hostile path segments and queries with a 4xx, never a 500", async ({ page }) => {
  const environment = await insertDraftEnvironment("acme");
  await signIn(page, demoUsers.acme.email);
  const paths: string[] = [];
  for (const segment of hostileSegments) {
    paths.push(`/api/environments/${segment}/status`, `/api/environments/${segment}/template`, `/api/support/tenants/${segment}/audit-log`);
  }
  for (const query of hostileQueries) {
    paths.push(`/api/audit-log?${query}`, `/api/environments/${environment.id}/template?${query}`, `/api/environments/${environment.id}/status?${query}`, `/api/health?${query}`);
  }
  for (const path of paths) {
    const response = await page.request.get(path, { maxRedirects: 0 });
    expect(response.status(), path).toBeLessThan(500);
  }
  for (const path of ["/api/health", "/api/audit-log", `/api/environments/${environment.id}/status`, "/api/auth/get-session", "/api/auth/sign-out"]) {
    for (const body of ["{{{", '{"__proto__":{"x":1}}', "\u0000", "x".repeat(100_000)]) {
      const response = await page.request.post(path, { headers: { "content-type": "application/json" }, data: body, maxRedirects: 0 });
      expect(response.status(), `POST ${path} ${body.slice(0, 20)}`).toBeLessThan(500);
    }
  }
});
