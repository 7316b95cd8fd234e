import "server-only";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import { env } from "@/lib/env";
import { DELIVERY_TIMEOUT_MS, sendDelivery, type DeliveryOutcome, type DeliveryRequest } from "./deliver";

/**
 * The webhook worker. The pending webhook_delivery rows (written by raiseAlert in the
 * transaction of the change they report) are the durable queue: every `pollIntervalMs` the
 * worker claims the rows whose next try is due with FOR UPDATE SKIP LOCKED, so any number of
 * processes share the work and none sends a row twice at once. A claim pushes the row's
 * `nextAttemptAt` past the request's timeout (a lease): if the process dies mid-request, the
 * row is simply due again later. Each try is recorded on the row; 2xx ends it as delivered,
 * anything else waits out the backoff, and after the last try the row ends as failed.
 */

/** The wait after the 1st, 2nd, … failed try; one more try than waits (8 in all, over about 3 h 40 min). */
export const DEFAULT_BACKOFF_MS: readonly number[] = [10_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000];

export interface WebhookWorkerOptions {
  /** Default: the worker's own small pool on the configured database. */
  database?: PrismaClient;
  /** Injected for tests; default the wall clock. */
  clock?: () => Date;
  backoffMs?: readonly number[];
  timeoutMs?: number;
  /** How often due rows are looked for. Default 2 s. */
  pollIntervalMs?: number;
  /** Rows claimed (and sent in parallel) per pass. Default 10. */
  batchSize?: number;
  /** Replaces the HTTP request (tests of the bookkeeping). */
  send?: (request: DeliveryRequest) => Promise<DeliveryOutcome>;
  log?: (line: string) => void;
}

interface ClaimedDelivery {
  id: string;
  organizationId: string;
  event: string;
  body: string;
  attempts: number;
}

/** The timestamp(3) columns hold UTC: compare in UTC whatever the session's time zone. */
const utc = (date: Date) => date.toISOString();

/** Claims up to `limit` due rows and pushes their next try past the lease. */
async function claimDue(database: PrismaClient, now: Date, leaseUntil: Date, limit: number): Promise<ClaimedDelivery[]> {
  return database.$queryRawUnsafe<ClaimedDelivery[]>(
    `UPDATE webhook_delivery d
        SET "nextAttemptAt" = ($2::timestamptz AT TIME ZONE 'UTC')
       FROM (SELECT id FROM webhook_delivery
              WHERE status = 'pending' AND "nextAttemptAt" <= ($1::timestamptz AT TIME ZONE 'UTC')
              ORDER BY "nextAttemptAt"
              LIMIT $3
              FOR UPDATE SKIP LOCKED) due
      WHERE d.id = due.id
  RETURNING d.id::text AS id, d."organizationId", d.event, d.payload::text AS body, d.attempts`,
    utc(now),
    utc(leaseUntil),
    limit,
  );
}

/**
 * One pass: claims the due rows, sends each, records the outcome. Returns how many were tried.
 * Exported for tests, which drive the worker pass by pass with a fake clock.
 */
export async function processDueDeliveries(options: WebhookWorkerOptions = {}): Promise<number> {
  const database = options.database ?? webhookDb();
  const clock = options.clock ?? (() => new Date());
  const backoff = options.backoffMs ?? DEFAULT_BACKOFF_MS;
  const timeoutMs = options.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  const send = options.send ?? sendDelivery;
  const now = clock();
  const claimed = await claimDue(database, now, new Date(now.getTime() + timeoutMs + 30_000), options.batchSize ?? 10);
  await Promise.all(claimed.map((delivery) => tryOnce(database, delivery, { clock, backoff, timeoutMs, send })));
  return claimed.length;
}

async function tryOnce(
  database: PrismaClient,
  delivery: ClaimedDelivery,
  options: { clock: () => Date; backoff: readonly number[]; timeoutMs: number; send: (request: DeliveryRequest) => Promise<DeliveryOutcome> },
): Promise<void> {
  const endpoint = await database.webhookEndpoint.findUnique({ where: { organizationId: delivery.organizationId }, select: { url: true, secret: true, enabled: true } });
  if (!endpoint?.enabled) {
    // Removed or switched off since the alert was raised: the customer no longer wants it sent.
    await database.webhookDelivery.updateMany({
      where: { id: delivery.id, status: "pending" },
      data: { status: "failed", nextAttemptAt: null, lastError: endpoint ? "Not sent: the webhook is disabled." : "Not sent: the webhook was removed." },
    });
    return;
  }
  // A customer who fixes a broken URL expects the alerts still being retried to go to the new one.
  const url = endpoint.url;
  const startedAt = options.clock();
  const outcome = await options.send({
    deliveryId: delivery.id,
    event: delivery.event,
    url,
    secret: endpoint.secret,
    body: delivery.body,
    now: startedAt,
    timeoutMs: options.timeoutMs,
  });
  const finishedAt = options.clock();
  const attempts = delivery.attempts + 1;
  if (outcome.ok) {
    await database.webhookDelivery.updateMany({
      where: { id: delivery.id, status: "pending" },
      data: { status: "delivered", url, attempts, lastStatusCode: outcome.statusCode, lastError: null, lastAttemptAt: startedAt, deliveredAt: finishedAt, nextAttemptAt: null },
    });
    return;
  }
  const wait = options.backoff[attempts - 1];
  await database.webhookDelivery.updateMany({
    where: { id: delivery.id, status: "pending" },
    data: {
      url,
      attempts,
      lastStatusCode: outcome.statusCode,
      lastError: outcome.error,
      lastAttemptAt: startedAt,
      ...(wait === undefined ? { status: "failed", nextAttemptAt: null } : { nextAttemptAt: new Date(finishedAt.getTime() + wait) }),
    },
  });
}

const poolHolder = globalThis as unknown as { __webhookPrisma?: PrismaClient };

/** The worker's own small pool: a slow endpoint never holds a connection a page needs. */
export function webhookDb(): PrismaClient {
  poolHolder.__webhookPrisma ??= createPrismaClient(env().databaseUrl, 3);
  return poolHolder.__webhookPrisma;
}

export interface WebhookWorker {
  /** Runs a pass now (or right after the one under way). */
  wake(): void;
  stop(): Promise<void>;
}

export function startWebhookWorker(options: WebhookWorkerOptions = {}): WebhookWorker {
  const log = options.log ?? ((line: string) => console.log(`[webhooks] ${line}`));
  let stopped = false;
  let again = false;
  let current: Promise<void> | undefined;

  function pass(): void {
    if (stopped) return;
    if (current) {
      again = true;
      return;
    }
    current = (async () => {
      try {
        // Keep going while a pass finds a full batch or a wake-up arrived meanwhile.
        let tried: number;
        do {
          again = false;
          tried = await processDueDeliveries(options);
        } while (!stopped && (again || tried >= (options.batchSize ?? 10)));
      } catch (error) {
        log(`pass failed: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        current = undefined;
      }
    })();
  }

  const timer = setInterval(pass, options.pollIntervalMs ?? 2_000);
  timer.unref();
  pass();
  return {
    wake: pass,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await current;
    },
  };
}

const workerHolder = globalThis as unknown as { __byokWebhookWorker?: WebhookWorker };

/** For server start (lib/server-startup.ts): one worker per process, even across dev reloads. */
export function ensureWebhookWorker(options?: WebhookWorkerOptions): WebhookWorker {
  workerHolder.__byokWebhookWorker ??= startWebhookWorker(options);
  return workerHolder.__byokWebhookWorker;
}

/** Asks this process's worker (if it runs here) to look for due rows now, e.g. right after "Send test". */
export function wakeWebhookWorker(): void {
  workerHolder.__byokWebhookWorker?.wake();
}
