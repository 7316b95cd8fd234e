/**
 * The Playwright suite against a production build: a fresh database (embedded PostgreSQL
 * unless DATABASE_URL is set) with the demo users, a fresh AWS sandbox, Debian's Chromium.
 * Extra arguments go to `playwright test`.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { seedDemoData } from "../prisma/seed";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./lib/embedded-postgres";
import { projectRoot } from "./lib/database";
import { ensureAptPackage, run } from "./lib/run";
import { startLocalSandbox, type RunningSandbox } from "./lib/sandbox";
import { describeError, portSetting } from "./lib/startup";
import { createTestDatabase, type TestDatabase } from "../lib/testing/test-database";

let server: EmbeddedDatabase | undefined;
let database: TestDatabase | undefined;
let sandbox: RunningSandbox | undefined;
let exitCode = 1;
try {
  ensureAptPackage("/usr/bin/chromium", "chromium");
  let adminUrl = process.env.DATABASE_URL?.trim();
  if (!adminUrl) {
    server = await startEmbeddedPostgres({
      // Its own folder for a run beside this one (npm run demo sets it).
      dataDir: process.env.E2E_PG_DATA_DIR ?? path.join(projectRoot, ".data/e2e-pg"),
      port: portSetting("E2E_PG_PORT", 54349),
      portSetting: "E2E_PG_PORT",
      log: (line) => process.stderr.write(`[e2e postgres] ${line}\n`),
    });
    adminUrl = server.url("postgres");
  }
  database = await createTestDatabase(adminUrl, "e2e");
  const databaseUrl = database.url;
  sandbox = await startLocalSandbox({ port: portSetting("E2E_SANDBOX_PORT", 4599), portSetting: "E2E_SANDBOX_PORT" });
  await seedDemoData(databaseUrl);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    E2E_DATABASE_URL: databaseUrl,
    // For specs that check what the app's role cannot do, against what the owner can.
    E2E_DATABASE_OWNER_URL: database.ownerUrl,
    BYOK_EMBEDDED: "1",
    BETTER_AUTH_SECRET: randomBytes(32).toString("base64url"),
    AWS_ENDPOINT_URL: sandbox.url,
    AWS_ACCESS_KEY_ID: "platform",
    AWS_SECRET_ACCESS_KEY: "platform",
    NEXT_TELEMETRY_DISABLED: "1",
    // A disabled key must be noticed without a click within a spec's patience.
    KEY_HEALTH_INTERVAL_SECONDS: "30",
    // The specs' webhook receiver listens on plain http at 127.0.0.1.
    WEBHOOK_ALLOW_LOOPBACK_HTTP: "1",
  };
  const build = await run(path.join(projectRoot, "node_modules/.bin/next"), ["build"], env);
  exitCode = build === 0 ? await run(path.join(projectRoot, "node_modules/.bin/playwright"), ["test", ...process.argv.slice(2)], env) : build;
} catch (error) {
  console.error(`The e2e run could not start: ${describeError(error)}`);
} finally {
  await sandbox?.close().catch(() => {});
  await database?.drop().catch(() => {});
  await server?.stop();
}
process.exit(exitCode);
