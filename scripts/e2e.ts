/**
 * The Playwright suite against a production build: a fresh database (embedded PostgreSQL
 * unless DATABASE_URL is set) with the demo users, a fresh AWS sandbox, Debian's Chromium.
 * Extra arguments go to `playwright test`.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { parseIntoClientConfig } from "pg-connection-string";
import { applyMigrations } from "../prisma/migrate";
import { seedDemoData } from "../prisma/seed";
import { startEmbeddedPostgres } from "./lib/embedded-postgres";
import { projectRoot } from "./lib/database";
import { ensureAptPackage, run } from "./lib/run";
import { startLocalSandbox } from "./lib/sandbox";

ensureAptPackage("/usr/bin/chromium", "chromium");

const configured = process.env.DATABASE_URL?.trim();
const server = configured
  ? undefined
  : await startEmbeddedPostgres({
      dataDir: path.join(projectRoot, ".data/e2e-pg"),
      port: Number(process.env.E2E_PG_PORT ?? 54349),
      log: (line) => process.stderr.write(`[e2e postgres] ${line}\n`),
    });
const adminUrl = configured ?? server!.url("postgres");
const database = `e2e_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
const admin = new pg.Client(parseIntoClientConfig(adminUrl));
await admin.connect();
await admin.query(`CREATE DATABASE "${database}"`);
await admin.end();
const url = new URL(adminUrl);
url.pathname = `/${database}`;
const databaseUrl = url.toString();

let exitCode = 1;
const sandbox = await startLocalSandbox({ port: Number(process.env.E2E_SANDBOX_PORT ?? 4599) });
try {
  await applyMigrations(databaseUrl);
  await seedDemoData(databaseUrl);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    E2E_DATABASE_URL: databaseUrl,
    BYOK_EMBEDDED: "1",
    BETTER_AUTH_SECRET: randomBytes(32).toString("base64url"),
    AWS_ENDPOINT_URL: sandbox.url,
    AWS_ACCESS_KEY_ID: "platform",
    AWS_SECRET_ACCESS_KEY: "platform",
    NEXT_TELEMETRY_DISABLED: "1",
  };
  const build = await run(path.join(projectRoot, "node_modules/.bin/next"), ["build"], env);
  exitCode = build === 0 ? await run(path.join(projectRoot, "node_modules/.bin/playwright"), ["test", ...process.argv.slice(2)], env) : build;
} finally {
  await sandbox.close().catch(() => {});
  const dropper = new pg.Client(parseIntoClientConfig(adminUrl));
  await dropper.connect().then(() => dropper.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`)).catch(() => {});
  await dropper.end().catch(() => {});
  await server?.stop();
}
process.exit(exitCode);
