import "server-only";
import pg from "pg";

/**
 * One PostgreSQL session-level advisory lock per environment, held on a dedicated
 * connection for the whole run. If the process dies, PostgreSQL drops the session and the
 * lock with it, so a crashed run never blocks the one that resumes it. The sweep reads
 * pg_locks to tell "running somewhere" from "abandoned".
 */
export const LOCK_NAMESPACE = "byok-provisioning:";

export interface EnvironmentLock {
  /** False once the lock's connection broke: the run must stop writing. */
  readonly held: boolean;
  /** Asks PostgreSQL: the session is alive, so it still holds the lock. */
  verify(): Promise<boolean>;
  release(): Promise<void>;
}

export async function tryLockEnvironment(databaseUrl: string, environmentId: string): Promise<EnvironmentLock | null> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: "byok-provisioning-lock" });
  let held = false;
  // An 'error' without a listener would crash the process; losing the session loses the lock.
  client.on("error", () => {
    held = false;
  });
  client.on("end", () => {
    held = false;
  });
  await client.connect();
  try {
    const result = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked", [
      LOCK_NAMESPACE + environmentId,
    ]);
    held = result.rows[0]?.locked === true;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  if (!held) {
    await client.end().catch(() => undefined);
    return null;
  }
  let released = false;
  return {
    get held() {
      return held && !released;
    },
    async verify() {
      if (!held || released) return false;
      try {
        await client.query("SELECT 1");
        return held && !released;
      } catch {
        held = false;
        return false;
      }
    },
    async release() {
      if (released) return;
      released = true;
      try {
        if (held) await client.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [LOCK_NAMESPACE + environmentId]);
      } finally {
        held = false;
        await client.end().catch(() => undefined);
      }
    },
  };
}

/**
 * SQL that is true when some live session holds the environment's lock. A bigint advisory
 * key shows up in pg_locks split into classid (high 32 bits) and objid (low), objsubid 1.
 */
export const ENVIRONMENT_LOCK_HELD_SQL = `EXISTS (
  SELECT 1 FROM pg_locks l
   WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
     AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended('${LOCK_NAMESPACE}' || a."environmentId"::text, 0)
)`;
