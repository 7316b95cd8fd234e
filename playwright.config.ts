import { defineConfig } from "@playwright/test";

/**
 * E2E against a production build. scripts/e2e.ts prepares the database and the AWS
 * sandbox and passes their URLs through the environment; `webServer` starts Next itself.
 */
const port = Number(process.env.E2E_PORT ?? 3210);
const baseURL = `http://localhost:${port}`;
// E2E_RESULTS_DIR lets a second run of one checkout (other ports, NEXT_DIST_DIR) keep its own results.
const resultsDir = process.env.E2E_RESULTS_DIR ?? "test-results";

export default defineConfig({
  testDir: "e2e",
  outputDir: `${resultsDir}/e2e`,
  fullyParallel: true,
  workers: process.env.CI ? 2 : undefined,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  forbidOnly: Boolean(process.env.CI),
  reporter: [["list"], ["json", { outputFile: `${resultsDir}/playwright.json` }]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
  webServer: {
    command: `exec ./node_modules/.bin/next start -p ${port}`,
    url: `${baseURL}/api/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "pipe",
    stderr: "pipe",
    env: { BETTER_AUTH_URL: baseURL, NEXT_TELEMETRY_DISABLED: "1" },
  },
});
