/**
 * What the e2e suite and the page benchmark run the portal against: a fresh database
 * (embedded PostgreSQL unless DATABASE_URL names a server) with the demo users, a fresh AWS
 * sandbox, and the environment the portal and the specs read.
 */
import { randomBytes } from "node:crypto";
import { seedDemoData } from "../../prisma/seed";
import { createTestDatabase, type TestDatabase } from "../../lib/testing/test-database";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./embedded-postgres";
import { startLocalSandbox, type RunningSandbox } from "./sandbox";

export interface E2eStack {
  /** The application role's connection to the fresh database. */
  databaseUrl: string;
  /** The owner role's connection, for what the application may not do. */
  ownerUrl: string;
  sandboxUrl: string;
  /** process.env plus everything the portal (next build / start / dev) and the specs need. */
  env: NodeJS.ProcessEnv;
  /** Stops the sandbox, drops the database, stops the embedded PostgreSQL; never throws. */
  close(): Promise<void>;
}

export interface E2eStackOptions {
  /** Prefix of the database's name. */
  name: string;
  /** The embedded PostgreSQL's data folder and port (unused when DATABASE_URL is set), and the variable naming the port. */
  postgres: { dataDir: string; port: number; portSetting?: string; logPrefix: string };
  sandbox: { port: number; portSetting?: string };
}

export async function startE2eStack(options: E2eStackOptions): Promise<E2eStack> {
  let server: EmbeddedDatabase | undefined;
  let database: TestDatabase | undefined;
  let sandbox: RunningSandbox | undefined;
  const close = async () => {
    await sandbox?.close().catch(() => {});
    await database?.drop().catch(() => {});
    await server?.stop().catch(() => {});
  };
  try {
    let adminUrl = process.env.DATABASE_URL?.trim();
    if (!adminUrl) {
      server = await startEmbeddedPostgres({
        dataDir: options.postgres.dataDir,
        port: options.postgres.port,
        portSetting: options.postgres.portSetting,
        log: (line) => process.stderr.write(`[${options.postgres.logPrefix}] ${line}\n`),
      });
      adminUrl = server.url("postgres");
    }
    database = await createTestDatabase(adminUrl, options.name);
    sandbox = await startLocalSandbox({ port: options.sandbox.port, portSetting: options.sandbox.portSetting });
    await seedDemoData(database.url);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: database.url,
      E2E_DATABASE_URL: database.url,
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
    return { databaseUrl: database.url, ownerUrl: database.ownerUrl, sandboxUrl: sandbox.url, env, close };
  } catch (error) {
    await close();
    throw error;
  }
}
