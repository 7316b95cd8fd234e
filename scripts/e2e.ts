/**
 * The Playwright suite against a production build: a fresh database (embedded PostgreSQL
 * unless DATABASE_URL is set) with the demo users, a fresh AWS sandbox, Debian's Chromium.
 * Then, with the same database and sandbox, the specs of e2e/dev/ against `next dev`
 * (playwright.dev.config.ts), which write their own report (playwright-dev.json).
 * Extra arguments go to `playwright test`; spec paths under e2e/dev/ go to the dev run, any
 * other spec path to the production run, and a run no path names is left out. With
 * `--config` (npm run demo) only that configuration runs.
 */
import path from "node:path";
import { freePort } from "../lib/testing/processes";
import { projectRoot } from "./lib/database";
import { planRuns } from "./lib/e2e-runs";
import { startE2eStack, type E2eStack } from "./lib/e2e-stack";
import { ensureAptPackage, run } from "./lib/run";
import { describeError, portSetting } from "./lib/startup";

let stack: E2eStack | undefined;
let exitCode = 1;
try {
  ensureAptPackage("/usr/bin/chromium", "chromium");
  stack = await startE2eStack({
    name: "e2e",
    postgres: {
      // Its own folder for a run beside this one (npm run demo sets it).
      dataDir: process.env.E2E_PG_DATA_DIR ?? path.join(projectRoot, ".data/e2e-pg"),
      port: portSetting("E2E_PG_PORT", 54349),
      portSetting: "E2E_PG_PORT",
      logPrefix: "e2e postgres",
    },
    sandbox: { port: portSetting("E2E_SANDBOX_PORT", 4599), portSetting: "E2E_SANDBOX_PORT" },
  });
  const env = stack.env;
  const runs = planRuns(process.argv.slice(2));
  const playwright = path.join(projectRoot, "node_modules/.bin/playwright");
  let productionCode = 0;
  if (runs.production) {
    const build = await run(path.join(projectRoot, "node_modules/.bin/next"), ["build"], env);
    productionCode = build === 0 ? await run(playwright, ["test", ...runs.production], env) : build;
  }
  let devCode = 0;
  if (runs.dev) {
    console.log("\n=== e2e specs under next dev (playwright.dev.config.ts) ===");
    devCode = await run(playwright, ["test", ...runs.dev], {
      ...env,
      E2E_DEV_PORT: process.env.E2E_DEV_PORT ?? String(await freePort()),
      // The dev server's output beside the production build, never over it.
      NEXT_DIST_DIR: `${process.env.NEXT_DIST_DIR?.trim() || ".next"}-dev`,
      BYOK_DEMO: "1",
    });
  }
  exitCode = productionCode !== 0 ? productionCode : devCode;
} catch (error) {
  console.error(`The e2e run could not start: ${describeError(error)}`);
} finally {
  await stack?.close();
}
process.exit(exitCode);
