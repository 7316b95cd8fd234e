import "server-only";
import { servePgBoss } from "@/lib/pg-boss";
import { processSingleton } from "@/lib/process-singleton";
import { setMaxListeners } from "node:events";
import PgBoss from "pg-boss";
import pg from "pg";
import { z } from "zod";
import { env } from "@/lib/env";
import { cleanupDeletedEnvironment, dueCleanups } from "./cleanup";
import { provisioningDb } from "./db";
import type { ProvisioningHooks, ProvisioningTimings } from "./context";
import { ENVIRONMENT_LOCK_HELD_SQL } from "./lock";
import { PROVISIONING_CHANNEL } from "./queue";
import { runProvisioningAttempt, type RunOutcome } from "./run";

/**
 * The provisioning worker: a pg-boss queue (schema "pgboss") whose jobs say "provision this
 * environment". Jobs are made from the attempt rows, which are the durable truth:
 *   - on NOTIFY from queueProvisioningAttempt (sent only when the caller's transaction commits),
 *   - by a sweep at start and every `sweepIntervalMs` for any QUEUED or RUNNING attempt whose
 *     environment lock nobody holds (a missed notification, a crashed or stopped process).
 * The same jobs remove what provisioning made for a deleted environment (cleanup.ts), found
 * by the same NOTIFY and sweep.
 * The queue keeps at most one waiting job per environment (policy "short", singletonKey =
 * environment id); the advisory lock taken by each run makes any extra job a no-op.
 */
export const PROVISIONING_QUEUE = "byok-provisioning";

/** A live run takes its environment's lock within moments of its job starting. */
const ORPHAN_GRACE_SECONDS = 60;

export interface ProvisioningWorkerOptions {
  /**
   * Runs of different environments at the same time in this process. Default
   * PROVISIONING_CONCURRENCY (16): a run mostly waits on AWS, so a small box runs many.
   */
  concurrency?: number;
  /** Default 30 s. */
  sweepIntervalMs?: number;
  /** How often an idle pg-boss worker looks for jobs (a NOTIFY wakes it at once). Default 5 s. */
  pollingIntervalSeconds?: number;
  hooks?: ProvisioningHooks;
  timings?: Partial<ProvisioningTimings>;
  log?: (line: string) => void;
}

export interface ProvisioningWorker {
  /** Enqueues every open attempt nobody is running; returns how many jobs were sent. */
  sweep(): Promise<number>;
  /** Stops taking jobs, interrupts running attempts at their next call (they resume on the next start). */
  stop(): Promise<void>;
}

const jobDataSchema = z.object({ environmentId: z.uuid() });
type JobData = z.infer<typeof jobDataSchema>;

export async function startProvisioningWorker(options: ProvisioningWorkerOptions = {}): Promise<ProvisioningWorker> {
  const log = options.log ?? ((line: string) => console.log(`[provisioning] ${line}`));
  const concurrency = Math.max(1, options.concurrency ?? env().provisioningConcurrency);
  return servePgBoss({ applicationName: "byok-provisioning", concurrency, log }, (boss) => serve(boss, options, log, concurrency));
}

async function serve(boss: PgBoss, options: ProvisioningWorkerOptions, log: (line: string) => void, concurrency: number): Promise<ProvisioningWorker> {
  const databaseUrl = env().databaseUrl;
  const shutdown = new AbortController();
  // Every run waiting out a backoff listens on this one signal: dozens at once are expected.
  setMaxListeners(0, shutdown.signal);
  const running = new Set<Promise<unknown>>();
  await boss.createQueue(PROVISIONING_QUEUE, {
    name: PROVISIONING_QUEUE,
    policy: "short",
    // Retries cover infrastructure trouble (the database went away mid-run); AWS failures
    // are recorded on the step and end the job normally.
    retryLimit: 10,
    retryDelay: 15,
    retryBackoff: true,
    // Longer than any run (an Aurora cluster takes minutes, temporary AWS trouble is retried
    // for up to the retry budget); the lock, not expiry, guards overlap. A job left active by a
    // process that died is reclaimed by the sweep within a minute, long before it expires.
    expireInSeconds: 3 * 60 * 60,
  });

  async function handle(jobs: PgBoss.Job<JobData>[]): Promise<void> {
    for (const job of jobs) {
      const data = jobDataSchema.safeParse(job.data);
      if (!data.success) {
        log(`ignoring job ${job.id} with malformed data`);
        continue;
      }
      const attempt = await provisioningDb().provisioningAttempt.findFirst({
        where: { environmentId: data.data.environmentId, status: { in: ["QUEUED", "RUNNING"] } },
        orderBy: { number: "desc" },
        select: { id: true },
      });
      if (!attempt) {
        // No attempt to run: the job may be a deleted environment's cleanup.
        const cleanup = await cleanupDeletedEnvironment(data.data.environmentId);
        if (cleanup !== "skipped") log(`cleanup of deleted environment ${data.data.environmentId}: ${cleanup}`);
        continue;
      }
      const run: Promise<RunOutcome> = runProvisioningAttempt(attempt.id, options.hooks, {
        jobId: job.id,
        timings: options.timings,
        signal: shutdown.signal,
      });
      running.add(run);
      try {
        const outcome = await run;
        log(`attempt ${attempt.id} (environment ${data.data.environmentId}): ${outcome}`);
      } finally {
        running.delete(run);
      }
    }
  }

  const workerIds: string[] = [];
  for (let i = 0; i < concurrency; i += 1) {
    workerIds.push(
      await boss.work<JobData>(PROVISIONING_QUEUE, { batchSize: 1, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 5 }, handle),
    );
  }

  async function enqueue(environmentId: string): Promise<boolean> {
    if (shutdown.signal.aborted) return false;
    const data: JobData = { environmentId };
    const id = await boss.send(PROVISIONING_QUEUE, data, { singletonKey: environmentId });
    for (const workerId of workerIds) boss.notifyWorker(workerId);
    return id !== null;
  }

  async function sweep(): Promise<number> {
    await reclaimOrphanedJobs();
    const open = await provisioningDb().$queryRawUnsafe<Array<{ environmentId: string }>>(
      `SELECT DISTINCT a."environmentId"::text AS "environmentId"
         FROM provisioning_attempt a
        WHERE a.status IN ('QUEUED', 'RUNNING') AND NOT ${ENVIRONMENT_LOCK_HELD_SQL}`,
    );
    let sent = 0;
    for (const environmentId of [...open.map((row) => row.environmentId), ...(await dueCleanups())]) if (await enqueue(environmentId)) sent += 1;
    return sent;
  }

  /**
   * pg-boss 10 has no heartbeat: the job of a process that died stays "active" until it
   * expires. An active job whose environment lock no live session holds, and which started
   * more than ORPHAN_GRACE_SECONDS ago (a live run takes the lock right after it starts), has
   * no run behind it: it is completed so the queue shows the truth; the sweep below enqueues
   * the attempt again.
   */
  async function reclaimOrphanedJobs(): Promise<void> {
    const orphans = await provisioningDb().$queryRawUnsafe<Array<{ id: string }>>(
      `SELECT j.id::text AS id
         FROM pgboss.job j
        WHERE j.name = $1 AND j.state = 'active'
          AND j.started_on < now() - make_interval(secs => $2)
          AND NOT EXISTS (
            SELECT 1 FROM provisioning_attempt a
             WHERE a."environmentId"::text = j.data->>'environmentId' AND ${ENVIRONMENT_LOCK_HELD_SQL})`,
      PROVISIONING_QUEUE,
      ORPHAN_GRACE_SECONDS,
    );
    if (orphans.length === 0) return;
    await boss.complete(
      PROVISIONING_QUEUE,
      orphans.map((o) => o.id),
    );
    log(`reclaimed ${orphans.length} job(s) left active by a stopped process`);
  }

  const sweepSafely = () => sweep().catch((error: unknown) => log(`sweep failed: ${String(error)}`));
  const listener = await listen(
    databaseUrl,
    (environmentId) => {
      enqueue(environmentId).catch((error: unknown) => log(`could not enqueue ${environmentId}: ${String(error)}`));
    },
    log,
    // After a reconnect, catch up on whatever was committed while nobody listened.
    sweepSafely,
  );
  await sweepSafely();
  const timer = setInterval(sweepSafely, options.sweepIntervalMs ?? 30_000);
  timer.unref();

  let stopped: Promise<void> | undefined;
  return {
    sweep,
    stop() {
      stopped ??= (async () => {
        clearInterval(timer);
        shutdown.abort();
        await listener.close();
        await Promise.allSettled([...running]);
        await boss.stop({ graceful: true, wait: true, timeout: 5_000 });
      })();
      return stopped;
    },
  };
}

/**
 * For instrumentation.ts: one worker per process, even when Next runs register() again after
 * a reload in development. A failed start is not cached, so the next call tries again.
 */
export function ensureProvisioningWorker(options?: ProvisioningWorkerOptions): Promise<ProvisioningWorker> {
  return processSingleton("provisioningWorker", () => startProvisioningWorker(options));
}

/** LISTENs on the provisioning channel, reconnecting every few seconds while the connection is down. */
async function listen(
  databaseUrl: string,
  onEnvironment: (environmentId: string) => void,
  log: (line: string) => void,
  onReconnect: () => void,
): Promise<{ close(): Promise<void> }> {
  let closed = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;

  const scheduleReconnect = () => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      connect().then(onReconnect, (error: unknown) => {
        log(`listener reconnect failed: ${String(error)}`);
        scheduleReconnect();
      });
    }, 2_000);
    retry.unref();
  };

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: databaseUrl, application_name: "byok-provisioning-listener" });
    const lost = () => {
      if (client !== next) return;
      client = undefined;
      next.end().catch(() => undefined);
      scheduleReconnect();
    };
    next.on("notification", (message) => {
      if (message.channel === PROVISIONING_CHANNEL && message.payload) onEnvironment(message.payload);
    });
    next.on("error", (error) => {
      log(`listener connection error: ${error.message}`);
      lost();
    });
    next.on("end", lost);
    try {
      await next.connect();
      await next.query(`LISTEN ${PROVISIONING_CHANNEL}`);
    } catch (error) {
      await next.end().catch(() => undefined);
      throw error;
    }
    if (closed) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
  };

  await connect();
  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    },
  };
}
