import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from "vitest";
import { projectRoot } from "./lib/database";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./lib/embedded-postgres";
import { listenProblem } from "./lib/startup";
import { createTestDatabase, type TestDatabase } from "../lib/testing/test-database";
import { tsxCommand } from "../lib/testing/processes";

/** Runs the launcher to completion; every variable the tests rely on is set explicitly. */
function launch(env: Record<string, string>) {
  return spawnSync(...tsxCommand("scripts/start.ts", ["start"]), {
    cwd: projectRoot,
    encoding: "utf8",
    timeout: 90_000,
    env: { ...process.env, DATABASE_URL: "", BYOK_EMBEDDED: "", SEED_DEMO: "", AWS_ENDPOINT_URL: "", HOST: "", ...env },
  });
}

/** A listening socket that stands for "another program" on a port. */
async function occupy(host?: string): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen({ port: 0, host }, resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return { port: address.port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A port nothing listens on (the kernel's pick, released again). */
async function freePort(): Promise<number> {
  const taken = await occupy("127.0.0.1");
  await taken.close();
  return taken.port;
}

const blockers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(blockers.splice(0).map((blocker) => blocker.close()));
});

test("the launcher refuses to start on a malformed platform role ARN, one clear line per problem", () => {
  const result = launch({ PLATFORM_ROLE_ARN: "arn:aws:iam::210987654321:user/not-a-role", PORT: "3999" });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain("The portal did not start because of its configuration:");
  expect(result.stderr).toContain(
    "  - PLATFORM_ROLE_ARN must be an IAM role ARN like arn:aws:iam::210987654321:role/byok-platform.",
  );
  // Nothing was started: no database, no server.
  expect(result.stdout).not.toContain("Portal:");
});

describe("with the embedded PostgreSQL", () => {
  // World-enterable, so the data folders stay where they are put (see reachableDataDir).
  let root: string;
  let holder: EmbeddedDatabase | undefined;
  let holderDir: string;

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), "byok-start-test-"));
    chmodSync(root, 0o755);
    // "Another running portal": a PostgreSQL already serving a data folder.
    holderDir = path.join(root, "running");
    holder = await startEmbeddedPostgres({ dataDir: holderDir, port: await freePort() });
  });

  afterAll(async () => {
    await holder?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test("the portal's port in use: one line naming PORT, and no database started", async () => {
    const portal = await occupy();
    blockers.push(portal);
    const dataDir = path.join(root, "portal-port");
    const result = launch({ PORT: String(portal.port), EMBEDDED_PG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()) });
    expect(result.stderr).toBe(`The portal could not start: port ${portal.port} is in use by another program. Stop that program, or set PORT to a free port.\n`);
    expect(result.status).toBe(1);
    expect(existsSync(dataDir)).toBe(false);
  });

  test("its data folder in use by another running PostgreSQL: one line with that one's PID", async () => {
    const holderPid = readFileSync(path.join(holderDir, "postmaster.pid"), "utf8").split("\n")[0];
    const result = launch({ PORT: String(await freePort()), EMBEDDED_PG_DATA_DIR: holderDir, EMBEDDED_PG_PORT: String(await freePort()) });
    expect(result.stderr).toBe(
      `The embedded PostgreSQL could not start: its data folder ${holderDir} is in use by another running PostgreSQL (PID ${holderPid}), ` +
        `probably a portal, script or test run started earlier from this checkout. Stop that one (kill ${holderPid}), then start again.\n`,
    );
    expect(result.status).toBe(1);
  });

  test("its port in use by another program: one line naming EMBEDDED_PG_PORT", async () => {
    const database = await occupy("127.0.0.1");
    blockers.push(database);
    const result = launch({ PORT: String(await freePort()), EMBEDDED_PG_DATA_DIR: path.join(root, "pg-port"), EMBEDDED_PG_PORT: String(database.port) });
    expect(result.stderr).toBe(
      `The embedded PostgreSQL could not start: port ${database.port} on 127.0.0.1 is in use by another program. Stop that program, or set EMBEDDED_PG_PORT to a free port.\n`,
    );
    expect(result.status).toBe(1);
  });

  test("the sandbox's port in use: one line naming SANDBOX_PORT, and the PostgreSQL it had started is stopped", async () => {
    const sandbox = await occupy("127.0.0.1");
    blockers.push(sandbox);
    const dataDir = path.join(root, "sandbox-port");
    const databasePort = await freePort();
    const result = launch({ PORT: String(await freePort()), EMBEDDED_PG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(databasePort), SANDBOX_PORT: String(sandbox.port) });
    expect(result.stderr).toBe(
      `The AWS sandbox could not start: port ${sandbox.port} on 127.0.0.1 is in use by another program. Stop that program, or set SANDBOX_PORT to a free port.\n`,
    );
    expect(result.status).toBe(1);
    // The database had started (and was migrated) before the sandbox failed, and is down again.
    expect(result.stdout).toContain("Applied migrations: 20261125170000_init");
    expect(existsSync(path.join(dataDir, "PG_VERSION"))).toBe(true);
    expect(existsSync(path.join(dataDir, "postmaster.pid"))).toBe(false);
    expect(await listenProblem(databasePort, "127.0.0.1")).toBeUndefined();
  });
});

describe("with a configured database", () => {
  let database: TestDatabase;

  beforeAll(async () => {
    // Migrated by the launcher, not here: this process must not hold Prisma's migration lock.
    database = await createTestDatabase(inject("databaseAdminUrl"), "start_migrations", { migrate: false });
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query(`
        CREATE TABLE "_prisma_migrations" (
          "id" VARCHAR(36) PRIMARY KEY, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ,
          "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ,
          "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
      // Left behind by something else: the first migration creates this table too.
      await client.query(`CREATE TABLE "user" ("id" INTEGER)`);
    } finally {
      await client.end();
    }
  });

  afterAll(async () => {
    await database?.drop();
  });

  const rolledBack = `UPDATE "_prisma_migrations" SET "rolled_back_at" = now() WHERE "migration_name" = '20261125170000_init' AND "finished_at" IS NULL`;

  test("a failing migration: one line with its name, the database's reason and the way out, first and on the next start", async () => {
    const env = { DATABASE_URL: database.url, BYOK_EMBEDDED: "1", PORT: String(await freePort()), SANDBOX_PORT: String(await freePort()) };
    const first = launch(env);
    expect(first.stderr).toBe(
      `Migration 20261125170000_init failed: relation "user" already exists. Fix the database or prisma/migrations/20261125170000_init/migration.sql, ` +
        `mark the attempt rolled back (${rolledBack}) and start again.\n`,
    );
    expect(first.status).toBe(1);
    const again = launch(env);
    expect(again.stderr).toBe(
      `Migration 20261125170000_init failed on an earlier start and still fails: relation "user" already exists. ` +
        `Fix the database or prisma/migrations/20261125170000_init/migration.sql, mark the attempt rolled back (${rolledBack}) and start again.\n`,
    );
    expect(again.status).toBe(1);
  });

  test("an unreachable database: one line saying so", async () => {
    const closed = await freePort();
    const result = launch({ DATABASE_URL: `postgresql://postgres:postgres@127.0.0.1:${closed}/byok`, BYOK_EMBEDDED: "1", PORT: String(await freePort()) });
    expect(result.stderr).toBe(
      `Migrations could not be applied: Can't reach database server at \`127.0.0.1:${closed}\`. Check DATABASE_URL and that its PostgreSQL server is running and reachable.\n`,
    );
    expect(result.status).toBe(1);
  });
});

describe("a real deployment's two database roles", () => {
  let database: TestDatabase;
  const platform = {
    PLATFORM_ACCOUNT_ID: "210987654321",
    PLATFORM_ROLE_ARN: "arn:aws:iam::210987654321:role/byok-platform",
    BETTER_AUTH_SECRET: "a".repeat(40),
    BETTER_AUTH_URL: "https://portal.example.com",
    AWS_ENDPOINT_URL: "http://127.0.0.1:4566",
  };

  beforeAll(async () => {
    database = await createTestDatabase(inject("databaseAdminUrl"), "start_roles");
  });

  afterAll(async () => {
    await database?.drop();
  });

  test("without DATABASE_OWNER_URL: one line saying why both are needed", async () => {
    const result = launch({ ...platform, DATABASE_URL: database.appUrl, DATABASE_OWNER_URL: "", PORT: String(await freePort()) });
    expect(result.stderr).toBe(
      "DATABASE_OWNER_URL is required with DATABASE_URL: migrations run as the role that owns the tables, and the portal connects " +
        "as DATABASE_URL's role, which may only insert into and read the audit log (README, Database roles).\n",
    );
    expect(result.status).toBe(1);
  });

  test("the same role in both: refused", async () => {
    const result = launch({ ...platform, DATABASE_URL: database.ownerUrl, DATABASE_OWNER_URL: database.ownerUrl, PORT: String(await freePort()) });
    expect(result.stderr).toBe(
      "DATABASE_URL and DATABASE_OWNER_URL both log in as byok_owner; the portal must connect as a role of its own that cannot rewrite the audit log (README, Database roles).\n",
    );
    expect(result.status).toBe(1);
  });

  test("an application role that could rewrite the audit log (here the superuser): refused after migrating, naming what it can do", async () => {
    const superuser = new URL(inject("databaseAdminUrl"));
    superuser.pathname = new URL(database.url).pathname;
    const result = launch({ ...platform, DATABASE_URL: superuser.toString(), DATABASE_OWNER_URL: database.ownerUrl, PORT: String(await freePort()) });
    expect(result.stderr).toBe(
      `DATABASE_URL's role could rewrite the audit log (${decodeURIComponent(superuser.username)} is a superuser). ` +
        "Connect the portal as a role with only the rights prisma/roles.ts grants (README, Database roles).\n",
    );
    expect(result.status).toBe(1);
  });
});
