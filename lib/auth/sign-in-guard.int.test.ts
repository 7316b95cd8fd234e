/**
 * Signing in through better-auth as the portal configures it, against PostgreSQL: the form's
 * path (auth.api.signInEmail, as lib/auth/request.ts calls it) and the HTTP path
 * (/api/auth/sign-in/email through the handler the route serves) are throttled and audited
 * alike; endpoints the product does not use answer 404. The throttle's clock is the test's.
 */
import { isAPIError } from "better-auth/api";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, test } from "vitest";
import { db } from "@/lib/db";
import { CLIENT_ADDRESS_HEADER } from "@/lib/security/client-address";
import { installClientAddressStamp } from "@/lib/security/client-address-stamp";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/test-database";
import { seedDemoData } from "@/prisma/seed";
import { auth } from "./auth";
import { setSignInThrottle } from "./sign-in-guard";
import { createSignInThrottle } from "./sign-in-throttle";

const PASSWORD = process.env.DEMO_PASSWORD?.trim() || "demo-password";
const ACME = "admin@acme.example";
const SUPPORT = "support@vendor.example";
const ORIGIN = "http://localhost:3000";

let database: TestDatabase;
let clock: Date;

beforeAll(async () => {
  database = await createTestDatabase(inject("databaseAdminUrl"), "signin");
  Object.assign(process.env, { DATABASE_URL: database.url, BYOK_EMBEDDED: "1", BETTER_AUTH_URL: ORIGIN });
  await seedDemoData(database.url);
  // As the server does at start: the address header is the server's own from now on.
  installClientAddressStamp(0);
});

afterAll(async () => {
  setSignInThrottle(null);
  await db().$disconnect();
  await database?.drop();
});

beforeEach(async () => {
  clock = new Date("2026-11-29T12:00:00Z");
  setSignInThrottle(createSignInThrottle(db, () => clock));
  await db().$executeRaw`DELETE FROM sign_in_throttle`;
});

function requestHeaders(address: string, extra: Record<string, string> = {}): Headers {
  return new Headers({ [CLIENT_ADDRESS_HEADER]: address, ...extra });
}

interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
}

/** The form's path: what signInWithPassword calls (its hooks' refusals are thrown, the others answered). */
async function signInDirect(email: string, password: string, address = "203.0.113.10"): Promise<Answer> {
  try {
    const response = await auth().api.signInEmail({ body: { email, password }, headers: requestHeaders(address), asResponse: true });
    return { status: response.status, body: await response.json().catch(() => null), headers: response.headers };
  } catch (error) {
    if (!isAPIError(error)) throw error;
    return { status: error.statusCode, body: error.body, headers: new Headers(error.headers as HeadersInit | undefined) };
  }
}

/** The HTTP path: POST /api/auth/sign-in/email as a browser or script sends it. */
function signInOverHttp(email: string, password: unknown, headers: Record<string, string> = {}) {
  return auth().handler(
    new Request(`${ORIGIN}/api/auth/sign-in/email`, {
      method: "POST",
      headers: requestHeaders("203.0.113.20", { "content-type": "application/json", origin: ORIGIN, ...headers }),
      body: JSON.stringify({ email, password }),
    }),
  );
}

async function auditActions(email: string) {
  const events = await db().auditEvent.findMany({ where: { actor: { email } }, orderBy: { sequence: "asc" } });
  return events.map((event) => ({ action: event.action, ipAddress: event.ipAddress, details: event.details }));
}

describe("brute force", () => {
  test("30 wrong passwords, then the right one: refused with the time to wait; after it, the right one works", async () => {
    const before = (await auditActions(ACME)).length;
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 30; attempt++) statuses.push((await signInDirect(ACME, `guess-${attempt}`, `203.0.113.${attempt + 1}`)).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(new Set(statuses.slice(5))).toEqual(new Set([429]));

    const refused = await signInDirect(ACME, PASSWORD);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("60");
    expect(refused.body).toMatchObject({ message: "Too many sign-in attempts. Try again in 1 minute." });

    clock = new Date(clock.getTime() + 60_000);
    const accepted = await signInDirect(ACME, PASSWORD);
    expect(accepted.status).toBe(200);
    expect(accepted.headers.get("set-cookie")).toMatch(/better-auth\.session_token=/);

    const events = (await auditActions(ACME)).slice(before);
    expect(events.map((event) => event.action)).toEqual([
      ...Array(5).fill("auth.sign-in.failed"),
      ...Array(26).fill("auth.sign-in.throttled"),
      "auth.sign-in.succeeded",
    ]);
    expect(events[0]).toEqual({ action: "auth.sign-in.failed", ipAddress: "203.0.113.1", details: { reason: "wrong-password" } });
    expect(events[5]?.details).toEqual({ retryAfterSeconds: 60 });
    expect(JSON.stringify(events)).not.toContain("guess-");
    expect(JSON.stringify(events)).not.toContain(PASSWORD);
  });

  test("over HTTP, rotating X-Forwarded-For changes nothing: the account is blocked after five", async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 30; attempt++) {
      statuses.push((await signInOverHttp(ACME, `wrong-${attempt}`, { "x-forwarded-for": `198.51.100.${attempt + 1}` })).status);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(new Set(statuses.slice(5))).toEqual(new Set([429]));
    const response = await signInOverHttp(ACME, PASSWORD, { "x-forwarded-for": "192.0.2.99" });
    expect(response.status).toBe(429);
    expect(await response.json()).toMatchObject({ message: "Too many sign-in attempts. Try again in 1 minute." });
  });

  test("the form's path and the HTTP path count against one account", async () => {
    for (let attempt = 0; attempt < 3; attempt++) expect((await signInDirect(ACME, "wrong")).status).toBe(401);
    for (let attempt = 0; attempt < 2; attempt++) expect((await signInOverHttp(ACME, "wrong")).status).toBe(401);
    expect((await signInDirect(ACME, PASSWORD)).status).toBe(429);
  });

  test("an unknown e-mail address is throttled exactly like a known one", async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) statuses.push((await signInDirect("nobody@acme.example", "wrong")).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });
});

describe("audit", () => {
  test("a success and a sign-out are recorded with the client address", async () => {
    const before = (await auditActions(ACME)).length;
    const signedIn = await signInDirect(ACME, PASSWORD, "203.0.113.77");
    expect(signedIn.status).toBe(200);
    const cookie = (signedIn.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const signedOut = await auth().api.signOut({ headers: requestHeaders("203.0.113.78", { cookie }), asResponse: true });
    expect(signedOut.status).toBe(200);
    expect((await auditActions(ACME)).slice(before)).toEqual([
      { action: "auth.sign-in.succeeded", ipAddress: "203.0.113.77", details: {} },
      { action: "auth.signed-out", ipAddress: "203.0.113.78", details: {} },
    ]);
  });

  test("support staff (no organization) sign in and are throttled too", async () => {
    expect((await signInDirect(SUPPORT, PASSWORD)).status).toBe(200);
    for (let attempt = 0; attempt < 5; attempt++) expect((await signInDirect(SUPPORT, "wrong")).status).toBe(401);
    expect((await signInDirect(SUPPORT, PASSWORD)).status).toBe(429);
  });
});

describe("hostile input on the HTTP path", () => {
  test.each([
    ["a NUL in the e-mail address", { email: "admin@acme.example\u0000", password: "x" }, 'The field "email" contains a control character (such as NUL) that is not allowed. Remove it and try again.'],
    ["a NUL in the password", { email: ACME, password: "a\u0000b" }, 'The field "password" contains a control character (such as NUL) that is not allowed. Remove it and try again.'],
    ["a number as the password", { email: ACME, password: 42 }, "Enter your password."],
    ["an object as the e-mail address", { email: { $ne: null }, password: "x" }, "Enter your email address."],
    ["a huge password", { email: ACME, password: "x".repeat(100_000) }, "That password is too long."],
  ])("%s: 400 with the field's message", async (_name, body, message) => {
    const response = await auth().handler(
      new Request(`${ORIGIN}/api/auth/sign-in/email`, {
        method: "POST",
        headers: requestHeaders("203.0.113.30", { "content-type": "application/json", origin: ORIGIN }),
        body: JSON.stringify(body),
      }),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ message });
  });

  test("a body that is not JSON is a 4xx, not a 500", async () => {
    const response = await auth().handler(
      new Request(`${ORIGIN}/api/auth/sign-in/email`, { method: "POST", headers: requestHeaders("203.0.113.31", { "content-type": "application/json", origin: ORIGIN }), body: "{not json" }),
    );
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });
});

describe("endpoints", () => {
  test.each([
    ["POST", "/sign-up/email"],
    ["POST", "/organization/create"],
    ["GET", "/organization/list"],
    ["GET", "/list-sessions"],
    ["POST", "/request-password-reset"],
    ["POST", "/change-password"],
    ["POST", "/update-user"],
    ["POST", "/sign-in/social"],
    ["GET", "/sign-in/email"],
    ["GET", "/ok"],
  ])("%s %s is not served (404)", async (method, path) => {
    const response = await auth().handler(
      new Request(`${ORIGIN}/api/auth${path}`, { method, headers: { "content-type": "application/json", origin: ORIGIN }, ...(method === "POST" ? { body: "{}" } : {}) }),
    );
    expect(response.status).toBe(404);
  });

  test("the session endpoint answers", async () => {
    const response = await auth().handler(new Request(`${ORIGIN}/api/auth/get-session`, { headers: { origin: ORIGIN } }));
    expect(response.status).toBe(200);
  });
});
