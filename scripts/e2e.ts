/**
 * The Playwright suite against a production build: a fresh database (embedded PostgreSQL
 * unless DATABASE_URL is set) with the demo users, a fresh AWS sandbox, Debian's Chromium.
 * Extra arguments go to `playwright test`.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { seedDemoData } from "../prisma/seed";
import { startEmbeddedPostgres } from "./lib/embedded-postgres";
import { projectRoot } from "./lib/database";
import { ensureAptPackage, run } from "./lib/run";
import { createTestDatabase } from "./lib/test-database";
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
const database = await createTestDatabase(configured ?? server!.url("postgres"), "e2e");
const databaseUrl = database.url;

let exitCode = 1;
const sandbox = await startLocalSandbox({ port: Number(process.env.E2E_SANDBOX_PORT ?? 4599) });
try {
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
  await database.drop().catch(() => {});
  await server?.stop();
}
process.exit(exitCode);
