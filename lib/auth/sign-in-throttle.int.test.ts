/**
 * The sign-in throttle against PostgreSQL, with a clock the test moves (no sleeps): limits
 * per account and per address, exponential backoff, reset on success, forgetting, a parallel
 * burst, and two "processes" (two connection pools) sharing one count.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, inject, test } from "vitest";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/test-database";
import { blockDuration, createSignInThrottle, throttledMessage, ACCOUNT_POLICY, ADDRESS_POLICY, type SignInThrottle } from "./sign-in-throttle";

let database: TestDatabase;
let first: PrismaClient;
let second: PrismaClient;
let clock: Date;
const now = () => clock;
const advance = (ms: number) => {
  clock = new Date(clock.getTime() + ms);
};
let throttle: SignInThrottle;
let unique = 0;
/** A fresh account per test, so tests share nothing. */
const account = () => `user-${++unique}@throttle.example`;
const address = () => `198.51.100.${++unique % 250}`;

beforeAll(async () => {
  database = await createTestDatabase(inject("databaseAdminUrl"), "throttle");
  first = createPrismaClient(database.url, 4);
  second = createPrismaClient(database.url, 4);
});

afterAll(async () => {
  await first?.$disconnect();
  await second?.$disconnect();
  await database?.drop();
});

beforeEach(async () => {
  clock = new Date("2026-11-29T12:00:00Z");
  await first.$executeRaw`DELETE FROM sign_in_throttle`;
  throttle = createSignInThrottle(() => first, now);
});

/** `count` failed attempts (reserved and never given back), each allowed. */
async function fail(email: string, ip: string | null, count: number) {
  for (let attempt = 1; attempt <= count; attempt++) {
    expect(await throttle.reserve(email, ip), `attempt ${attempt}`).toEqual({ allowed: true });
  }
}

describe("per account", () => {
  test("five failures are allowed, then one minute, two, four … whatever the client address", async () => {
    const email = account();
    await fail(email, "203.0.113.1", 5);
    // A different address (a rotated X-Forwarded-For, say) does not help.
    expect(await throttle.reserve(email, "203.0.113.2")).toEqual({ allowed: false, retryAfterMs: 60_000 });
    advance(59_000);
    expect(await throttle.reserve(email, "203.0.113.3")).toEqual({ allowed: false, retryAfterMs: 1_000 });
    advance(1_000);
    await fail(email, "203.0.113.4", 1);
    expect(await throttle.reserve(email, "203.0.113.4")).toEqual({ allowed: false, retryAfterMs: 120_000 });
    advance(120_000);
    await fail(email, "203.0.113.5", 1);
    expect(await throttle.reserve(email, "203.0.113.5")).toEqual({ allowed: false, retryAfterMs: 240_000 });
  });

  test("the e-mail address is compared without case or surrounding spaces", async () => {
    const email = account();
    await fail(email.toUpperCase(), "203.0.113.1", 5);
    expect((await throttle.reserve(`  ${email} `, "203.0.113.1")).allowed).toBe(false);
  });

  test("a successful sign-in starts the account afresh", async () => {
    const email = account();
    const ip = address();
    await fail(email, ip, 4);
    expect(await throttle.reserve(email, ip)).toEqual({ allowed: true });
    await throttle.succeeded(email, ip);
    await fail(email, ip, 5);
    expect((await throttle.reserve(email, ip)).allowed).toBe(false);
  });

  test("the fifth attempt may still be the right password: its success lifts the block it set", async () => {
    const email = account();
    const ip = address();
    await fail(email, ip, 5);
    await throttle.succeeded(email, ip);
    expect(await throttle.reserve(email, ip)).toEqual({ allowed: true });
  });

  test("a refused attempt counts nothing, so waiting out the block is enough", async () => {
    const email = account();
    const ip = address();
    await fail(email, ip, 5);
    for (let refused = 0; refused < 10; refused++) expect((await throttle.reserve(email, ip)).allowed).toBe(false);
    advance(60_000);
    expect(await throttle.reserve(email, ip)).toEqual({ allowed: true });
  });

  test("failures are forgotten a day after the last one", async () => {
    const email = account();
    const ip = address();
    await fail(email, ip, 5);
    advance(24 * 60 * 60_000 + 1);
    await fail(email, ip, 4);
    expect(await throttle.reserve(email, ip)).toEqual({ allowed: true });
  });

  test("the block never exceeds an hour", async () => {
    expect(blockDuration(4, ACCOUNT_POLICY)).toBe(0);
    expect(blockDuration(5, ACCOUNT_POLICY)).toBe(60_000);
    expect(blockDuration(8, ACCOUNT_POLICY)).toBe(8 * 60_000);
    expect(blockDuration(11, ACCOUNT_POLICY)).toBe(60 * 60_000);
    expect(blockDuration(500, ACCOUNT_POLICY)).toBe(60 * 60_000);
  });

  test("thirty guesses in parallel: exactly five reach the password check", async () => {
    const email = account();
    const outcomes = await Promise.all(Array.from({ length: 30 }, (_, index) => throttle.reserve(email, `203.0.113.${index + 1}`)));
    expect(outcomes.filter((outcome) => outcome.allowed)).toHaveLength(5);
  });
});

describe("per client address", () => {
  test("twenty failures on different accounts block the address, not other addresses", async () => {
    const ip = address();
    for (let attempt = 0; attempt < ADDRESS_POLICY.freeFailures; attempt++) await fail(account(), ip, 1);
    expect(await throttle.reserve(account(), ip)).toEqual({ allowed: false, retryAfterMs: 60_000 });
    expect(await throttle.reserve(account(), address())).toEqual({ allowed: true });
  });

  test("a success gives the address its attempt back", async () => {
    const ip = address();
    for (let attempt = 0; attempt < ADDRESS_POLICY.freeFailures - 1; attempt++) await fail(account(), ip, 1);
    const email = account();
    expect(await throttle.reserve(email, ip)).toEqual({ allowed: true });
    await throttle.succeeded(email, ip);
    expect(await throttle.reserve(account(), ip)).toEqual({ allowed: true });
  });

  test("without a client address only the account counts (no shared bucket to lock everyone out)", async () => {
    for (let attempt = 0; attempt < ADDRESS_POLICY.freeFailures + 5; attempt++) await fail(account(), null, 1);
    expect(await throttle.reserve(account(), null)).toEqual({ allowed: true });
    const email = account();
    await fail(email, null, 5);
    expect((await throttle.reserve(email, null)).allowed).toBe(false);
  });
});

test("two portal processes share one count", async () => {
  const inFirst = createSignInThrottle(() => first, now);
  const inSecond = createSignInThrottle(() => second, now);
  const email = account();
  const ip = address();
  for (let attempt = 0; attempt < 5; attempt++) {
    expect(await (attempt % 2 === 0 ? inFirst : inSecond).reserve(email, ip)).toEqual({ allowed: true });
  }
  expect(await inSecond.reserve(email, ip)).toEqual({ allowed: false, retryAfterMs: 60_000 });
  expect(await inFirst.reserve(email, ip)).toEqual({ allowed: false, retryAfterMs: 60_000 });
});

test("the e-mail address is stored only as a hash", async () => {
  const email = account();
  await fail(email, "203.0.113.9", 1);
  const keys = await first.$queryRaw<{ key: string }[]>`SELECT key FROM sign_in_throttle`;
  expect(keys.map((row) => row.key)).toContainEqual(expect.stringMatching(/^account:[0-9a-f]{64}$/));
  expect(keys.some((row) => row.key.includes(email))).toBe(false);
});

test("the message says how many whole minutes to wait", () => {
  expect(throttledMessage(1_000)).toBe("Too many sign-in attempts. Try again in 1 minute.");
  expect(throttledMessage(60_000)).toBe("Too many sign-in attempts. Try again in 1 minute.");
  expect(throttledMessage(61_000)).toBe("Too many sign-in attempts. Try again in 2 minutes.");
  expect(throttledMessage(3_600_000)).toBe("Too many sign-in attempts. Try again in 60 minutes.");
});
