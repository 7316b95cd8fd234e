/**
 * Applies the migrations and, when that fails, says in one line which migration failed,
 * the database's own reason and what to do.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { parseIntoClientConfig } from "pg-connection-string";
import { applyMigrations, migrationsDir } from "../../prisma/migrate";
import { grantAppRole, roleOfUrl } from "../../prisma/roles";
import { describeError, StartupError } from "./startup";

/**
 * Statements a diagnosis must not run inside its own transaction, once literals, comments
 * and dollar-quoted bodies (where `BEGIN`/`END;` are PL/pgSQL) are blanked out.
 */
export function controlsTransactions(script: string): boolean {
  const bare = script
    .replace(/\$([A-Za-z_]\w*)?\$[\s\S]*?\$\1\$/g, "''")
    .replace(/--[^\n]*/g, "")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/'(?:[^']|'')*'/g, "''");
  return bare.split(";").some((statement) => /^\s*(BEGIN|COMMIT|END|ROLLBACK|ABORT|START\s+TRANSACTION|SAVEPOINT|RELEASE|PREPARE\s+TRANSACTION)\b/i.test(statement));
}

/**
 * Prisma's WebAssembly engine reports a failed migration script only as "external
 * connector error", without the database's message. The script ran in one implicit
 * transaction that PostgreSQL rolled back, so running it again inside a transaction that
 * is always rolled back reproduces the database's message and changes nothing.
 */
async function databaseReason(databaseUrl: string, migration: string): Promise<string | undefined> {
  const file = path.join(migrationsDir, migration, "migration.sql");
  if (!existsSync(file)) return `${path.relative(process.cwd(), file)} is missing`;
  const script = readFileSync(file, "utf8");
  if (controlsTransactions(script)) return undefined;
  const client = new pg.Client(parseIntoClientConfig(databaseUrl));
  try {
    await client.connect();
    await client.query("BEGIN");
    try {
      await client.query(script);
      return undefined;
    } catch (error) {
      return describeError(error);
    } finally {
      await client.query("ROLLBACK").catch(() => {});
    }
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
}

function markRolledBack(migration: string): string {
  return `UPDATE "_prisma_migrations" SET "rolled_back_at" = now() WHERE "migration_name" = '${migration}' AND "finished_at" IS NULL`;
}

/** One line for a failed applyMigrations. */
export async function explainMigrationFailure(databaseUrl: string, error: unknown): Promise<string> {
  const message = error instanceof Error ? error.message : "";
  const failed = /migration_name="([^"]+)"/.exec(message)?.[1];
  if (failed) {
    const reason = await databaseReason(databaseUrl, failed);
    return (
      `Migration ${failed} failed${reason ? `: ${reason.replace(/\.$/, "")}` : " (the database's reason could not be recovered; run its SQL by hand to see it)"}. ` +
      `Fix the database or prisma/migrations/${failed}/migration.sql, mark the attempt rolled back (${markRolledBack(failed)}) and start again.`
    );
  }
  // P3009: an earlier run left a failed migration behind; Prisma applies nothing until it is resolved.
  const leftOver = /The `([^`]+)` migration started at .* failed/.exec(message)?.[1];
  if (leftOver) {
    const reason = await databaseReason(databaseUrl, leftOver);
    return (
      `Migration ${leftOver} failed on an earlier start${reason ? ` and still fails: ${reason.replace(/\.$/, "")}` : ""}. ` +
      `Fix the database or prisma/migrations/${leftOver}/migration.sql, mark the attempt rolled back (${markRolledBack(leftOver)}) and start again.`
    );
  }
  const firstLine = describeError(message.split("\n")[0] || error).replace(/\.$/, "");
  if (/schema is not empty/i.test(message)) {
    return `Migrations could not be applied: the database already holds tables but no migration history. Point DATABASE_URL at an empty database, or baseline this one (https://pris.ly/d/migrate-baseline).`;
  }
  return `Migrations could not be applied: ${firstLine}. Check DATABASE_URL and that its PostgreSQL server is running and reachable.`;
}

/** applyMigrations, with a failure turned into a StartupError of one line. */
export async function migrate(databaseUrl: string): Promise<string[]> {
  try {
    return await applyMigrations(databaseUrl);
  } catch (error) {
    throw new StartupError(await explainMigrationFailure(databaseUrl, error));
  }
}

/**
 * Migrates as the owner (`ownerUrl`, or `url` when no owner is configured), then grants the
 * application role (the user of `url`) its rights, so tables a migration adds get them too.
 */
export async function migrateDatabase(database: { url: string; ownerUrl: string | undefined }): Promise<string[]> {
  const applied = await migrate(database.ownerUrl ?? database.url);
  if (database.ownerUrl && roleOfUrl(database.ownerUrl) !== roleOfUrl(database.url)) {
    try {
      await grantAppRole(database.ownerUrl, roleOfUrl(database.url));
    } catch (error) {
      throw new StartupError(
        `Granting the application role ${roleOfUrl(database.url)} its rights failed: ${describeError(error).replace(/\.$/, "")}. ` +
          "DATABASE_OWNER_URL must log in as the role that owns the tables (see README, Database roles).",
      );
    }
  }
  return applied;
}
