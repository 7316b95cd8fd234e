import "server-only";
import { servePgBoss } from "@/lib/pg-boss";
import { processSingleton } from "@/lib/process-singleton";
import { setMaxListeners } from "node:events";
import PgBoss from "pg-boss";
import { z } from "zod";
import type { PrismaClient } from "@/generated/prisma/client";
import { env } from "@/lib/env";
import { provisioningDb } from "@/lib/provisioning/db";
import { AccountRateLimiter } from "./limiter";
import { ensureMissingKeyHealthRows, runKeyHealthCheck, type KeyHealthCheckResult, type RunCheckOptions } from "./service";

/**
 * The periodic key-health checks (F9), durable and shared by every portal process:
 *   - key_health.nextCheckAt is the schedule. A sweep every `sweepIntervalMs` claims due rows
 *     with UPDATE … WHERE environmentId IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING,
 *     pushing their nextCheckAt out by a lease, so two processes never claim the same row
 *     and a claim lost with its process comes due again when the lease runs out;
 *   - each claimed row becomes a job on the pg-boss queue "byok-key-health" (schema
 *     "pgboss", one waiting job per environment), run by `concurrency` workers in whichever
 *     process is free; the check itself sets the next nextCheckAt (interval ±10 %);
 *   - before touching AWS a job takes a token from its customer account and Region's bucket
 *     (./limiter.ts, `ratePerSecond`); a bucket too far behind sends the check back to the
 *     schedule for a little later instead of holding a worker; a check that met throttling
 *     halves its bucket's rate for a while.
 * The limiter is per process: N processes allow up to N × the rate per account and Region.
 * The sweep also gives every Ready customer-managed environment without a key_health row
 * one (environments made Ready before key health existed).
 */
export const KEY_HEALTH_QUEUE = "byok-key-health";

/** How long a claimed check may take before another sweep may claim it again. */
const DEFAULT_LEASE_SECONDS = 120;
/** A job waits this long at most for its account's token; longer, and it goes back to the schedule. */
const MAX_LIMITER_WAIT_MS = 2_000;

export interface KeyHealthSchedulerOptions {
  /** Checks at once in this process. Default KEY_HEALTH_CONCURRENCY (8). */
  concurrency?: number;
  /** Checks started per second per customer account and Region. Default KEY_HEALTH_RATE_PER_SECOND (5). */
  ratePerSecond?: number;
  /** How often due rows are claimed. Default 1 s. */
  sweepIntervalMs?: number;
  /** How often missing rows are added. Default 10 min. */
  ensureRowsIntervalMs?: number;
  leaseSeconds?: number;
  /** Jobs kept waiting on the queue at most (all processes together). Default 8 × concurrency. */
  queueDepth?: number;
  pollingIntervalSeconds?: number;
  /** The limiter's clock (tests). */
  nowMs?: () => number;
  /** Called after every check (benchmarks count them). */
  onCheck?: (result: KeyHealthCheckResult) => void;
  /** The AWS side of the checks (default: each environment's tagged session; the benchmark measures the engine without AWS). */
  checkDeps?: RunCheckOptions["deps"];
  log?: (line: string) => void;
}

export interface KeyHealthScheduler {
  /** Claims due checks and queues them; returns how many were queued. */
  sweep(): Promise<number>;
  readonly limiter: AccountRateLimiter;
  /** Stops claiming and taking jobs; waits for running checks. */
  stop(): Promise<void>;
}

const jobDataSchema = z.object({ environmentId: z.uuid() });
type JobData = z.infer<typeof jobDataSchema>;

/** Claims up to `limit` due checks for this process (see the file comment). */
export async function claimDueChecks(client: PrismaClient, limit: number, leaseSeconds = DEFAULT_LEASE_SECONDS): Promise<string[]> {
  if (limit <= 0) return [];
  const rows = await client.$queryRaw<Array<{ environmentId: string }>>`
    UPDATE key_health k
       SET "nextCheckAt" = (now() AT TIME ZONE 'UTC') + make_interval(secs => ${leaseSeconds})
     WHERE k."environmentId" IN (
             SELECT d."environmentId" FROM key_health d
              WHERE d."nextCheckAt" <= (now() AT TIME ZONE 'UTC')
              ORDER BY d."nextCheckAt"
              LIMIT ${limit}
                FOR UPDATE SKIP LOCKED)
    RETURNING k."environmentId"::text AS "environmentId"`;
  return rows.map((row) => row.environmentId);
}

/** Puts a claimed check back on the schedule `delayMs` from now (its account's bucket is behind). */
async function deferCheck(client: PrismaClient, environmentId: string, delayMs: number): Promise<void> {
  await client.$executeRaw`
    UPDATE key_health SET "nextCheckAt" = (now() AT TIME ZONE 'UTC') + make_interval(secs => ${delayMs / 1000})
     WHERE "environmentId" = ${environmentId}::uuid`;
}

class Deferred extends Error {
  constructor(readonly delayMs: number) {
    super(`deferred by ${delayMs} ms`);
  }
}

/**
 * Creates the queue unless it exists. Processes starting together race on pg-boss's own
 * tables (seen as "deadlock detected" with two schedulers on one database): try again.
 */
async function createQueueOnce(boss: PgBoss, leaseSeconds: number): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      if (await boss.getQueue(KEY_HEALTH_QUEUE)) return;
      await boss.createQueue(KEY_HEALTH_QUEUE, {
        name: KEY_HEALTH_QUEUE,
        policy: "short",
        // The row's lease, not pg-boss, brings a lost check back.
        retryLimit: 0,
        expireInSeconds: leaseSeconds,
      });
      return;
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt + Math.floor(Math.random() * 100)));
    }
  }
}

export async function startKeyHealthScheduler(options: KeyHealthSchedulerOptions = {}): Promise<KeyHealthScheduler> {
  const log = options.log ?? ((line: string) => console.log(`[key-health] ${line}`));
  const concurrency = Math.max(1, options.concurrency ?? env().keyHealthConcurrency);
  return servePgBoss({ applicationName: "byok-key-health", concurrency, log }, (boss) => serve(boss, options, log, concurrency));
}

async function serve(boss: PgBoss, options: KeyHealthSchedulerOptions, log: (line: string) => void, concurrency: number): Promise<KeyHealthScheduler> {
  const client = provisioningDb();
  const leaseSeconds = options.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
  const queueDepth = options.queueDepth ?? concurrency * 8;
  const limiter = new AccountRateLimiter({ ratePerSecond: options.ratePerSecond ?? env().keyHealthRatePerSecond, now: options.nowMs ?? Date.now });
  const shutdown = new AbortController();
  setMaxListeners(0, shutdown.signal);
  const running = new Set<Promise<unknown>>();

  await createQueueOnce(boss, leaseSeconds);

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0 || shutdown.signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        shutdown.signal.removeEventListener("abort", done);
        resolve();
      }
      shutdown.signal.addEventListener("abort", done, { once: true });
    });

  async function check(environmentId: string): Promise<void> {
    try {
      const result = await runKeyHealthCheck(environmentId, "scheduled", {
        client,
        ...(options.checkDeps ? { deps: options.checkDeps } : {}),
        beforeCheck: async (_target, limiterKey) => {
          const delay = limiter.reserve(limiterKey, MAX_LIMITER_WAIT_MS);
          if (delay === null) throw new Deferred(limiter.waitMs(limiterKey));
          await wait(delay);
          if (shutdown.signal.aborted) throw new Deferred(0);
        },
      });
      if (!result) {
        // Not a Ready customer-managed environment (any more): nothing to check; look again in a day.
        await deferCheck(client, environmentId, 24 * 60 * 60_000);
        return;
      }
      if (result.throttled) limiter.throttled(result.limiterKey);
      options.onCheck?.(result);
    } catch (error) {
      if (error instanceof Deferred) {
        await deferCheck(client, environmentId, error.delayMs);
        return;
      }
      // The lease brings the check back; nothing else to do.
      log(`check of ${environmentId} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async function handle(jobs: PgBoss.Job<JobData>[]): Promise<void> {
    for (const job of jobs) {
      const data = jobDataSchema.safeParse(job.data);
      if (!data.success) continue;
      const run = check(data.data.environmentId);
      running.add(run);
      try {
        await run;
      } finally {
        running.delete(run);
      }
    }
  }

  const workerIds: string[] = [];
  for (let i = 0; i < concurrency; i += 1) {
    let workerId = "";
    workerId = await boss.work<JobData>(KEY_HEALTH_QUEUE, { batchSize: 1, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 }, async (jobs) => {
      await handle(jobs);
      // pg-boss waits out the rest of its polling interval after every job; with more checks
      // waiting that would cap a worker at one check per interval. Fetch again at once.
      boss.notifyWorker(workerId);
    });
    workerIds.push(workerId);
  }

  async function sweep(): Promise<number> {
    if (shutdown.signal.aborted) return 0;
    const waiting = await boss.getQueueSize(KEY_HEALTH_QUEUE);
    const claimed = await claimDueChecks(client, queueDepth - waiting, leaseSeconds);
    let sent = 0;
    for (const environmentId of claimed) {
      const data: JobData = { environmentId };
      if ((await boss.send(KEY_HEALTH_QUEUE, data, { singletonKey: environmentId })) !== null) sent += 1;
    }
    if (sent > 0) for (const workerId of workerIds) boss.notifyWorker(workerId);
    return sent;
  }

  let sweeping: Promise<unknown> | undefined;
  const sweepSafely = () => {
    // One sweep at a time per process: a slow database must not pile them up.
    sweeping ??= sweep()
      .catch((error: unknown) => log(`sweep failed: ${String(error)}`))
      .finally(() => {
        sweeping = undefined;
      });
    return sweeping;
  };
  const ensureRows = () =>
    ensureMissingKeyHealthRows(client).then(
      (added) => {
        if (added > 0) log(`${added} Ready customer-managed environment(s) now have key health checks`);
      },
      (error: unknown) => log(`adding missing key health rows failed: ${String(error)}`),
    );

  await ensureRows();
  await sweepSafely();
  const sweepTimer = setInterval(sweepSafely, options.sweepIntervalMs ?? 1_000);
  sweepTimer.unref();
  const ensureTimer = setInterval(ensureRows, options.ensureRowsIntervalMs ?? 10 * 60_000);
  ensureTimer.unref();

  let stopped: Promise<void> | undefined;
  return {
    sweep,
    limiter,
    stop() {
      stopped ??= (async () => {
        clearInterval(sweepTimer);
        clearInterval(ensureTimer);
        shutdown.abort();
        await sweeping;
        await Promise.allSettled([...running]);
        await boss.stop({ graceful: true, wait: true, timeout: 5_000 });
      })();
      return stopped;
    },
  };
}

/** One scheduler per process, kept across dev reloads; a failed start is not cached. */
export function ensureKeyHealthScheduler(options?: KeyHealthSchedulerOptions): Promise<KeyHealthScheduler> {
  return processSingleton("keyHealthScheduler", () => startKeyHealthScheduler(options));
}
