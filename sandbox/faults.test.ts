/** Fault selection: counts, expiry on an explicit clock, seeded probabilities, wire-only faults. */
import { describe, expect, test } from "vitest";
import { faultSchema } from "./control";
import { FaultInjector, mulberry32 } from "./faults";

/** Which of `calls` matching calls a fault hits, as a string of x (hit) and . (miss). */
function pattern(injector: FaultInjector, calls: number): string {
  return Array.from({ length: calls }, () => (injector.draw("kms", "GenerateDataKey", { wire: true }) ? "x" : ".")).join("");
}

describe("faults", () => {
  test("mulberry32 is a pure function of its seed, in [0, 1)", () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const first = Array.from({ length: 100 }, () => a());
    expect(Array.from({ length: 100 }, () => b())).toEqual(first);
    expect(first.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(new Set(first).size).toBe(100);
    expect(mulberry32(43)()).not.toBe(first[0]);
  });

  test("the same seed hits the same calls; another seed other calls", () => {
    const run = (seed: number) => {
      const injector = new FaultInjector(() => 0);
      injector.add({ service: "kms", operation: "GenerateDataKey", throttle: true, probability: 0.3, seed, count: 1000 });
      return pattern(injector, 60);
    };
    const seeded = run(7);
    expect(run(7)).toBe(seeded);
    expect(run(8)).not.toBe(seeded);
    // Neither all nor nothing: the probability applies call by call.
    expect(seeded).toMatch(/x/);
    expect(seeded).toMatch(/\./);
  });

  test("probability 0 never hits, 1 always; count counts hits, not draws", () => {
    const never = new FaultInjector(() => 0);
    never.add({ service: "kms", throttle: true, probability: 0, count: 5 });
    expect(pattern(never, 20)).toBe(".".repeat(20));
    expect(never.list()[0]?.remaining).toBe(5);

    const always = new FaultInjector(() => 0);
    always.add({ service: "kms", throttle: true, probability: 1, count: 3 });
    expect(pattern(always, 5)).toBe("xxx..");

    const half = new FaultInjector(() => 0);
    half.add({ service: "kms", throttle: true, probability: 0.5, seed: 99, count: 4 });
    const hits = pattern(half, 200);
    expect(hits.split("x")).toHaveLength(5);
  });

  test("forMs expires on the injector's clock; other services and operations are not hit", () => {
    let now = 1_000;
    const injector = new FaultInjector(() => now);
    injector.add({ service: "kms", operation: "GenerateDataKey", status500: true, forMs: 500 });
    expect(injector.draw("s3", "GenerateDataKey", { wire: true })).toBeUndefined();
    expect(injector.draw("kms", "Decrypt", { wire: true })).toBeUndefined();
    expect(pattern(injector, 3)).toBe("xxx");
    now = 1_499;
    expect(pattern(injector, 1)).toBe("x");
    now = 1_500;
    expect(pattern(injector, 1)).toBe(".");
    expect(injector.list()).toEqual([]);
  });

  test("a fault for one Region hits only calls in that Region", () => {
    const injector = new FaultInjector(() => 0);
    injector.add({ service: "s3", region: "ap-southeast-2", throttle: true, count: 2 });
    expect(injector.draw("s3", "CreateBucket", { wire: true, region: "eu-west-1" })).toBeUndefined();
    expect(injector.draw("s3", "CreateBucket", { wire: true })).toBeUndefined();
    expect(injector.draw("s3", "CreateBucket", { wire: true, region: "ap-southeast-2" })?.effect).toBe("throttle");
  });

  test("malformed faults wait for a call over the wire; the effect names what the fault does", () => {
    const injector = new FaultInjector(() => 0);
    injector.add({ service: "kms", malformed: "truncated" });
    expect(injector.draw("kms", "GenerateDataKey", { wire: false })).toBeUndefined();
    expect(injector.draw("kms", "GenerateDataKey", { wire: true })).toMatchObject({ effect: "truncated" });
    injector.add({ service: "kms", latencyMs: 5 });
    expect(injector.draw("kms", "GenerateDataKey", { wire: false })).toMatchObject({ effect: "latency" });
  });

  test("the control schema takes the new fields and refuses contradictions", () => {
    expect(faultSchema.safeParse({ service: "s3", malformed: "html502", probability: 0.25, seed: 12 }).success).toBe(true);
    expect(faultSchema.safeParse({ service: "s3", malformed: "gzip" }).success).toBe(false);
    expect(faultSchema.safeParse({ service: "s3", throttle: true, probability: 1.5 }).success).toBe(false);
    expect(faultSchema.safeParse({ service: "s3", throttle: true, seed: 1.5, probability: 0.5 }).success).toBe(false);
    expect(faultSchema.safeParse({ service: "s3", throttle: true, seed: 3 }).success).toBe(false);
    expect(faultSchema.safeParse({ service: "s3", throttle: true, malformed: "empty200" }).success).toBe(false);
    expect(faultSchema.safeParse({ service: "s3" }).success).toBe(false);
  });
});
