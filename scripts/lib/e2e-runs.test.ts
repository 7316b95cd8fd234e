import { describe, expect, test } from "vitest";
import { NEXT_DEV_TAG, planRuns } from "./e2e-runs";

describe("how npm run test:e2e's arguments split between the production-build and next dev runs", () => {
  test("no arguments: both runs, the dev specs kept out of the production run", () => {
    expect(planRuns([])).toEqual({
      production: ["--grep-invert", NEXT_DEV_TAG],
      dev: ["--config", "playwright.dev.config.ts"],
    });
  });

  test("spec paths choose the runs: only the run a path names takes part", () => {
    expect(planRuns(["e2e/wizard/progress.spec.ts"])).toEqual({ production: ["--grep-invert", NEXT_DEV_TAG, "e2e/wizard/progress.spec.ts"], dev: null });
    expect(planRuns(["e2e/dev/loopback.spec.ts", "--workers=1"])).toEqual({
      production: null,
      dev: ["--config", "playwright.dev.config.ts", "--workers=1", "e2e/dev/loopback.spec.ts"],
    });
    expect(planRuns(["./e2e/dev", "e2e/support/console.spec.ts:12"])).toEqual({
      production: ["--grep-invert", NEXT_DEV_TAG, "e2e/support/console.spec.ts:12"],
      dev: ["--config", "playwright.dev.config.ts", "./e2e/dev"],
    });
  });

  test("a name filter goes to both runs, and finding nothing under next dev is no failure", () => {
    expect(planRuns(["retrying"])).toEqual({
      production: ["retrying", "--grep-invert", NEXT_DEV_TAG],
      dev: ["--config", "playwright.dev.config.ts", "--pass-with-no-tests", "retrying"],
    });
  });

  test("the caller's own --grep-invert is kept as given", () => {
    expect(planRuns(["--grep-invert", "slow"]).production).toEqual(["--grep-invert", "slow"]);
  });

  test("another configuration (npm run demo) runs alone, arguments untouched", () => {
    expect(planRuns(["--config", "playwright.demo.config.ts"])).toEqual({ production: ["--config", "playwright.demo.config.ts"], dev: null });
  });
});
