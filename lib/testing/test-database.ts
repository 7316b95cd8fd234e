/**
 * A fresh, migrated PostgreSQL database on a given server, dropped afterwards: one per
 * integration test file (the server comes from the integration project's global setup)
 * and one per e2e run.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { parseIntoClientConfig } from "pg-connection-string";
import { applyMigrations } from "@/prisma/migrate";

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

function withDatabase(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** `migrate: false` leaves the database empty, for a test of something that migrates it itself. */
export async function createTestDatabase(adminUrl: string, prefix = "test", options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client(parseIntoClientConfig(adminUrl));
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl, name);
  if (options.migrate !== false) await applyMigrations(url);
  return {
    url,
    async drop() {
      const dropper = new pg.Client(parseIntoClientConfig(adminUrl));
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}
