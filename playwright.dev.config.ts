import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

/**
 * The specs that need the portal under `next dev`, as `npm run dev` runs it: e2e/dev/. It is
 * opened at 127.0.0.1 (not localhost), where the dev server serves its scripts only to origins
 * it was told about. scripts/e2e.ts runs them after the production-build suite, with the same
 * database and sandbox, E2E_DEV_PORT set to a free port, NEXT_DIST_DIR to a folder of their own
 * (the dev server's output must not replace the production build) and BYOK_DEMO=1 (no dev
 * tools indicator).
 */
const port = Number(process.env.E2E_DEV_PORT ?? 3211);
const baseURL = `http://127.0.0.1:${port}`;
const resultsDir = process.env.E2E_RESULTS_DIR ?? "test-results";

export default defineConfig({
  ...base,
  testDir: "e2e/dev",
  outputDir: `${resultsDir}/e2e-dev`,
  // One at a time: the dev server compiles each route on its first visit, and the "busy
  // database" spec must be the only thing the page sees for its minute.
  fullyParallel: false,
  workers: 1,
  // The first visit of each route compiles it: minutes on a small, busy machine.
  timeout: 480_000,
  expect: { timeout: 120_000 },
  reporter: [["list"], ["json", { outputFile: `${resultsDir}/playwright-dev.json` }]],
  use: { ...base.use, baseURL, navigationTimeout: 300_000 },
  webServer: {
    command: `exec ./node_modules/.bin/next dev -p ${port}`,
    url: `${baseURL}/api/health`,
    reuseExistingServer: false,
    timeout: 300_000,
    stdout: "pipe",
    stderr: "pipe",
    env: { BETTER_AUTH_URL: baseURL, NEXT_TELEMETRY_DISABLED: "1", BYOK_DEMO: "1" },
  },
});
