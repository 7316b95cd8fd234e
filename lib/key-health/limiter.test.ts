import { describe, expect, test } from "vitest";
import { AccountRateLimiter, limiterKeyFor } from "./limiter";

function fakeClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe("AccountRateLimiter", () => {
  test("lets a second's worth of checks start at once, then spaces them at the rate", () => {
    const clock = fakeClock();
    const limiter = new AccountRateLimiter({ ratePerSecond: 5, now: clock.now });
    const waits = Array.from({ length: 8 }, () => limiter.reserve("111122223333|eu-west-1"));
    expect(waits).toEqual([0, 0, 0, 0, 0, 200, 400, 600]);
  });

  test("refills with time and never holds more than one second of checks", () => {
    const clock = fakeClock();
    const limiter = new AccountRateLimiter({ ratePerSecond: 5, now: clock.now });
    for (let i = 0; i < 5; i += 1) limiter.reserve("a");
    clock.advance(400);
    expect([limiter.reserve("a"), limiter.reserve("a"), limiter.reserve("a")]).toEqual([0, 0, 200]);
    clock.advance(60_000);
    expect(Array.from({ length: 6 }, () => limiter.reserve("a"))).toEqual([0, 0, 0, 0, 0, 200]);
  });

  test("accounts and Regions have their own buckets", () => {
    const clock = fakeClock();
    const limiter = new AccountRateLimiter({ ratePerSecond: 1, now: clock.now });
    expect(limiter.reserve("111122223333|eu-west-1")).toBe(0);
    expect(limiter.reserve("111122223333|us-east-1")).toBe(0);
    expect(limiter.reserve("444455556666|eu-west-1")).toBe(0);
    expect(limiter.reserve("111122223333|eu-west-1")).toBe(1000);
  });

  test("a reservation that would wait longer than allowed is refused and reserves nothing", () => {
    const clock = fakeClock();
    const limiter = new AccountRateLimiter({ ratePerSecond: 2, now: clock.now });
    expect([limiter.reserve("a", 0), limiter.reserve("a", 0)]).toEqual([0, 0]);
    expect(limiter.reserve("a", 100)).toBeNull();
    expect(limiter.reserve("a", 500)).toBe(500);
    expect(limiter.waitMs("a")).toBe(1000);
  });

  test("throttling halves the rate down to a floor, and each quiet penalty window doubles it back", () => {
    const clock = fakeClock();
    const limiter = new AccountRateLimiter({ ratePerSecond: 8, now: clock.now, penaltyMs: 60_000, floorFraction: 1 / 8 });
    limiter.throttled("a");
    expect(limiter.rate("a")).toBe(4);
    limiter.throttled("a");
    limiter.throttled("a");
    limiter.throttled("a");
    expect(limiter.rate("a")).toBe(1);
    clock.advance(59_999);
    expect(limiter.rate("a")).toBe(1);
    clock.advance(1);
    expect(limiter.rate("a")).toBe(2);
    clock.advance(120_000);
    expect(limiter.rate("a")).toBe(8);
    clock.advance(600_000);
    expect(limiter.rate("a")).toBe(8);
  });

  test("a slowed bucket spaces checks at its lower rate", () => {
    const clock = fakeClock();
    const limiter = new AccountRateLimiter({ ratePerSecond: 4, now: clock.now });
    limiter.throttled("a");
    const waits = Array.from({ length: 4 }, () => limiter.reserve("a"));
    expect(waits).toEqual([0, 0, 500, 1000]);
    expect(limiter.reserve("b")).toBe(0);
  });
});

describe("limiterKeyFor", () => {
  test("takes the account and Region from the key ARN", () => {
    expect(limiterKeyFor("arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", "us-east-1")).toBe("123456789012|eu-west-1");
    expect(limiterKeyFor(null, "us-east-1")).toBe("unknown|us-east-1");
  });
});
