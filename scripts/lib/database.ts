/**
 * The database the dev command and the scripts use: DATABASE_URL (the application role)
 * with DATABASE_OWNER_URL (the owner, for migrations), or the embedded one (data in
 * EMBEDDED_PG_DATA_DIR, default .data/pg; port EMBEDDED_PG_PORT, default 54329), set up with
 * the same two roles (prisma/roles.ts).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureRoles, LOCAL_ROLES, prepareDatabase, urlForRole } from "../../prisma/roles";
import { startEmbeddedPostgres } from "./embedded-postgres";
import { describeError, portSetting, StartupError } from "./startup";

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface DatabaseHandle {
  /** The application's connection (DATABASE_URL, or the embedded `byok_app` role). */
  url: string;
  /** The owner's connection, for migrations and bulk loads: DATABASE_OWNER_URL, or the embedded `byok_owner`. */
  ownerUrl: string | undefined;
  embedded: boolean;
  stop(): Promise<void>;
}

export async function openDatabase(options: { dataDir?: string; port?: number; database?: string } = {}): Promise<DatabaseHandle> {
  const configured = process.env.DATABASE_URL?.trim();
  if (configured) return { url: configured, ownerUrl: process.env.DATABASE_OWNER_URL?.trim() || undefined, embedded: false, stop: async () => {} };
  const configuredDir = process.env.EMBEDDED_PG_DATA_DIR?.trim();
  const server = await startEmbeddedPostgres({
    dataDir: options.dataDir ?? (configuredDir ? path.resolve(projectRoot, configuredDir) : path.join(projectRoot, ".data/pg")),
    port: options.port ?? portSetting("EMBEDDED_PG_PORT", 54329),
    portSetting: options.port === undefined ? "EMBEDDED_PG_PORT" : undefined,
    log: (line) => process.stderr.write(`[postgres] ${line}\n`),
  });
  const database = options.database ?? "byok";
  try {
    await server.createDatabase(database);
    await ensureRoles(server.url("postgres"));
    await prepareDatabase(server.url("postgres"), database);
  } catch (error) {
    await server.stop().catch(() => {});
    throw new StartupError(`The embedded PostgreSQL started, but setting up its database "${database}" failed: ${describeError(error)}`);
  }
  return {
    url: urlForRole(server.url(database), LOCAL_ROLES.app),
    ownerUrl: urlForRole(server.url(database), LOCAL_ROLES.owner),
    embedded: true,
    stop: () => server.stop(),
  };
}
