/** The database the dev command and the scripts use: DATABASE_URL, or the embedded one. */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startEmbeddedPostgres } from "./embedded-postgres";

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface DatabaseHandle {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

export async function openDatabase(options: { dataDir?: string; port?: number; database?: string } = {}): Promise<DatabaseHandle> {
  const configured = process.env.DATABASE_URL?.trim();
  if (configured) return { url: configured, embedded: false, stop: async () => {} };
  const server = await startEmbeddedPostgres({
    dataDir: options.dataDir ?? path.join(projectRoot, ".data/pg"),
    port: options.port ?? Number(process.env.EMBEDDED_PG_PORT ?? 54329),
    log: (line) => process.stderr.write(`[postgres] ${line}\n`),
  });
  const database = options.database ?? "byok";
  await server.createDatabase(database);
  return { url: server.url(database), embedded: true, stop: () => server.stop() };
}
