/**
 * A fresh, migrated PostgreSQL database on a given server, dropped afterwards: one per
 * integration test file (the server comes from the integration project's global setup)
 * and one per e2e run. Set up as a real deployment is (prisma/roles.ts): the owner role
 * owns it and runs the migrations, and `url` logs in as the application role, which may
 * only insert into and read the audit log.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { parseIntoClientConfig } from "pg-connection-string";
import { applyMigrations } from "@/prisma/migrate";
import { ensureRoles, grantAppRole, LOCAL_ROLES, prepareDatabase, urlForRole } from "@/prisma/roles";

export interface TestDatabase {
  /**
   * What the application connects with: the application role's URL on a migrated database;
   * the owner's on a database created with `migrate: false` (whoever migrates it needs the owner).
   */
  url: string;
  /** The application role (`byok_app`): the portal's own rights. */
  appUrl: string;
  /** The owner role (`byok_owner`): migrations, and tests that set up what the app may not. */
  ownerUrl: string;
  drop(): Promise<void>;
}

/** `migrate: false` leaves the database empty, for a test of something that migrates it itself. */
export async function createTestDatabase(adminUrl: string, prefix = "test", options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  await ensureRoles(adminUrl);
  const admin = new pg.Client(parseIntoClientConfig(adminUrl));
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  await prepareDatabase(adminUrl, name);
  const ownerUrl = urlForRole(adminUrl, LOCAL_ROLES.owner, name);
  const appUrl = urlForRole(adminUrl, LOCAL_ROLES.app, name);
  const migrated = options.migrate !== false;
  if (migrated) {
    await applyMigrations(ownerUrl);
    await grantAppRole(ownerUrl, LOCAL_ROLES.app.name);
  }
  return {
    url: migrated ? appUrl : ownerUrl,
    appUrl,
    ownerUrl,
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
