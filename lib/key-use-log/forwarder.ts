import "server-only";
import { CreateLogStreamCommand, PutLogEventsCommand, type CloudWatchLogsClient, type InputLogEvent } from "@aws-sdk/client-cloudwatch-logs";
import type { ClientPatience } from "@/lib/aws/clients";
import { customerRoleClients, customerRoleCredentials, forgetCustomerRoleSessions, type CustomerRoleTarget } from "@/lib/aws/customer-role";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import { env } from "@/lib/env";
import { processSingleton } from "@/lib/process-singleton";
import { parseLogGroupArn, type ParsedLogGroupArn } from "./arns";
import { backoffMs, boundedKeyUseMessage, rejectedCount, splitIntoBatches } from "./batches";
import { keyUseLogStreamName } from "./documents";
import { assumeFailureMessage, awsErrorParts, isStaleSessionError, logsFailureMessage } from "./failures";

/**
 * The key-use log forwarder (issue #15 item 6). key_use_event rows without `deliveredAt` are
 * the durable queue; log_forwarding holds one row per environment with the schedule
 * (`nextAttemptAt`) and what the environment page shows. Every `pollIntervalMs` a pass:
 *   1. gives every environment with a log group its log_forwarding row;
 *   2. claims environments with undelivered events whose next attempt is due, with
 *      FOR UPDATE SKIP LOCKED, pushing `nextAttemptAt` past a lease, so several processes share
 *      the work and a claim lost with its process comes due again when the lease runs out;
 *   3. per environment, takes the 500 oldest undelivered events and, as the customer's log role
 *      (assumed with the organization's External ID by the environment's platform session),
 *      creates the stream `byok-<environment id>` and puts the events there in chronological
 *      batches within PutLogEvents' limits; each accepted batch is marked delivered at once;
 *   4. on failure leaves the rest undelivered, records a message for the customer, and waits
 *      out a capped exponential backoff. Nothing here ever blocks provisioning: recording is one
 *      INSERT (./record.ts) and all AWS work happens here.
 */

/** Events taken per environment and pass. */
export const EVENTS_PER_PASS = 500;
export const FORWARDER_PATIENCE: ClientPatience = { maxAttempts: 3, requestTimeoutMs: 10_000 };
/** Longer than a pass's AWS calls with their retries take for one environment. */
const DEFAULT_LEASE_MS = 3 * 60_000;

export interface ForwarderOptions {
  /** Default: the forwarder's own small pool on the configured database. */
  database?: PrismaClient;
  /** Injected for tests; default the wall clock. */
  clock?: () => Date;
  /** How often due environments are looked for. Default 5 s. */
  pollIntervalMs?: number;
  /** Environments claimed (and served in parallel) per pass. Default 10. */
  batchSize?: number;
  leaseMs?: number;
  patience?: ClientPatience;
  log?: (line: string) => void;
}

export interface ForwardResult {
  environmentId: string;
  delivered: number;
  /** Undelivered events remain and the environment is due again at once (more than one pass's worth). */
  more: boolean;
  error: string | null;
}

/** The timestamp(3) columns hold UTC: compare in UTC whatever the session's time zone. */
const utc = (date: Date) => date.toISOString();

async function ensureForwardingRows(database: PrismaClient, now: Date): Promise<void> {
  await database.$executeRawUnsafe(
    `INSERT INTO log_forwarding ("environmentId", "updatedAt")
     SELECT e.id, ($1::timestamptz AT TIME ZONE 'UTC') FROM environment e
      WHERE e."logGroupArn" IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM log_forwarding f WHERE f."environmentId" = e.id)
     ON CONFLICT ("environmentId") DO NOTHING`,
    utc(now),
  );
}

/** Claims up to `limit` due environments with undelivered events and pushes their next attempt past the lease. */
async function claimDue(database: PrismaClient, now: Date, leaseUntil: Date, limit: number): Promise<string[]> {
  const rows = await database.$queryRawUnsafe<Array<{ environmentId: string }>>(
    `UPDATE log_forwarding f
        SET "nextAttemptAt" = ($2::timestamptz AT TIME ZONE 'UTC')
      WHERE f."environmentId" IN (
              SELECT d."environmentId" FROM log_forwarding d
               WHERE (d."nextAttemptAt" IS NULL OR d."nextAttemptAt" <= ($1::timestamptz AT TIME ZONE 'UTC'))
                 AND EXISTS (SELECT 1 FROM key_use_event k WHERE k."environmentId" = d."environmentId" AND k."deliveredAt" IS NULL)
               ORDER BY d."nextAttemptAt" NULLS FIRST
               LIMIT $3
                 FOR UPDATE SKIP LOCKED)
  RETURNING f."environmentId"::text AS "environmentId"`,
    utc(now),
    utc(leaseUntil),
    limit,
  );
  return rows.map((row) => row.environmentId);
}

/** A failed attempt, with the message the customer sees. */
class ForwardingFailure extends Error {
  constructor(
    readonly customerMessage: string,
    cause?: unknown,
    /** Events accepted before the failure (their batches are marked delivered). */
    readonly delivered = 0,
  ) {
    super(customerMessage, { cause });
    this.name = "ForwardingFailure";
  }
}

function isCode(error: unknown, code: string): boolean {
  return awsErrorParts(error).code === code;
}

/** Streams this process created or saw exist; CreateLogStream is not called again for them. */
const knownStreams = new Set<string>();

async function ensureStream(logs: CloudWatchLogsClient, group: ParsedLogGroupArn, stream: string, force = false): Promise<void> {
  const key = `${group.arn}|${stream}`;
  if (!force && knownStreams.has(key)) return;
  try {
    await logs.send(new CreateLogStreamCommand({ logGroupName: group.name, logStreamName: stream }));
  } catch (error) {
    if (!isCode(error, "ResourceAlreadyExistsException")) throw error;
  }
  knownStreams.add(key);
}

interface DeliveryTarget {
  environmentId: string;
  group: ParsedLogGroupArn;
  roleArn: string;
  externalId: string;
}

async function loadTarget(database: PrismaClient, environmentId: string): Promise<DeliveryTarget> {
  const environment = await database.environment.findUnique({
    where: { id: environmentId },
    select: { logGroupArn: true, logRoleArn: true, organization: { select: { externalId: true } } },
  });
  if (!environment?.logGroupArn) throw new ForwardingFailure("No log group is set for this environment: its key-use events wait until one is.");
  const group = parseLogGroupArn(environment.logGroupArn);
  if (!group) throw new ForwardingFailure(`The log group ARN ${environment.logGroupArn} is not valid: enter it again.`);
  if (!environment.logRoleArn) throw new ForwardingFailure("No log role is set for this environment: its key-use events wait until one is.");
  const externalId = environment.organization.externalId;
  if (!externalId) throw new ForwardingFailure("Your organization has no External ID yet: open the log forwarding setup to get one.");
  return { environmentId, group, roleArn: environment.logRoleArn, externalId };
}

/** Marks events delivered (only those still pending: a lease that ran out must not count twice). */
async function markDelivered(database: PrismaClient, ids: bigint[], at: Date): Promise<number> {
  if (ids.length === 0) return 0;
  const out = await database.keyUseEvent.updateMany({ where: { id: { in: ids }, deliveredAt: null }, data: { deliveredAt: at } });
  return out.count;
}

/** Puts one environment's oldest pending events; returns how many were accepted and a note on any AWS refused. */
async function deliver(database: PrismaClient, target: DeliveryTarget, options: { clock: () => Date; patience: ClientPatience }): Promise<{ delivered: number; more: boolean; note: string | null }> {
  const pending = await database.keyUseEvent.findMany({
    where: { environmentId: target.environmentId, deliveredAt: null },
    orderBy: { id: "asc" },
    take: EVENTS_PER_PASS + 1,
    select: { id: true, occurredAt: true, action: true, keyArn: true, encryptionContext: true, requestId: true, outcome: true },
  });
  const more = pending.length > EVENTS_PER_PASS;
  const events = pending
    .slice(0, EVENTS_PER_PASS)
    .map((event) => ({ item: event.id, timestamp: event.occurredAt.getTime(), message: boundedKeyUseMessage(target.environmentId, event) }))
    // Stable: events of the same millisecond keep the order they were recorded in.
    .sort((a, b) => a.timestamp - b.timestamp);
  if (events.length === 0) return { delivered: 0, more: false, note: null };

  const roleTarget: CustomerRoleTarget = { environmentId: target.environmentId, region: target.group.region, roleArn: target.roleArn, externalId: target.externalId };
  try {
    await customerRoleCredentials(roleTarget, options.patience);
  } catch (error) {
    throw new ForwardingFailure(assumeFailureMessage(error, target.roleArn), error);
  }
  const logs = customerRoleClients(roleTarget, options.patience).logs;
  const stream = keyUseLogStreamName(target.environmentId);
  let delivered = 0;
  let refused = 0;
  try {
    await ensureStream(logs, target.group, stream);
    for (const batch of splitIntoBatches(events)) {
      const logEvents: InputLogEvent[] = batch.map((event) => ({ timestamp: event.timestamp, message: event.message }));
      const put = () => logs.send(new PutLogEventsCommand({ logGroupName: target.group.name, logStreamName: stream, logEvents }));
      let out;
      try {
        out = await put();
      } catch (error) {
        // The customer deleted the stream since this process created it.
        if (!(isCode(error, "ResourceNotFoundException") && /log stream/i.test(awsErrorParts(error).message))) throw error;
        await ensureStream(logs, target.group, stream, true);
        out = await put();
      }
      // Events AWS reports as too old, expired or too new will never be accepted: they leave the queue with the batch.
      const refusedHere = rejectedCount(batch.length, out.rejectedLogEventsInfo);
      refused += refusedHere;
      const marked = await markDelivered(database, batch.map((event) => event.item), options.clock());
      delivered += Math.max(marked - refusedHere, 0);
    }
  } catch (error) {
    if (error instanceof ForwardingFailure) throw error;
    const message = logsFailureMessage(error, target.group, target.roleArn);
    if (isStaleSessionError(error)) forgetCustomerRoleSessions(target.environmentId);
    throw new ForwardingFailure(message, error, delivered);
  }
  const note =
    refused > 0
      ? `CloudWatch Logs did not store ${refused} event${refused === 1 ? "" : "s"}: older than 14 days or than the log group's retention, or dated too far ahead.`
      : null;
  return { delivered, more, note };
}

async function recordSuccess(database: PrismaClient, environmentId: string, at: Date, delivered: number, note: string | null, more: boolean): Promise<void> {
  await database.logForwarding.update({
    where: { environmentId },
    data: {
      ...(delivered > 0 ? { lastDeliveredAt: at, lastDeliveredCount: delivered } : {}),
      lastError: note,
      lastErrorAt: note === null ? null : at,
      failures: 0,
      // Null: due whenever undelivered events exist (at once when this pass left some behind).
      nextAttemptAt: more ? at : null,
    },
  });
}

async function recordFailure(database: PrismaClient, environmentId: string, at: Date, message: string, delivered: number): Promise<void> {
  // The row is this pass's under its lease: nobody else writes it meanwhile.
  const current = await database.logForwarding.findUnique({ where: { environmentId }, select: { failures: true } });
  const failures = (current?.failures ?? 0) + 1;
  await database.logForwarding.update({
    where: { environmentId },
    data: {
      ...(delivered > 0 ? { lastDeliveredAt: at, lastDeliveredCount: delivered } : {}),
      lastError: message,
      lastErrorAt: at,
      failures,
      nextAttemptAt: new Date(at.getTime() + backoffMs(failures)),
    },
  });
}

async function forwardEnvironment(database: PrismaClient, environmentId: string, options: { clock: () => Date; patience: ClientPatience; log: (line: string) => void }): Promise<ForwardResult> {
  try {
    const target = await loadTarget(database, environmentId);
    const { delivered, more, note } = await deliver(database, target, options);
    await recordSuccess(database, environmentId, options.clock(), delivered, note, more);
    return { environmentId, delivered, more, error: note };
  } catch (error) {
    let message: string;
    let delivered = 0;
    if (error instanceof ForwardingFailure) {
      message = error.customerMessage;
      delivered = error.delivered;
    } else {
      // A bug or the database: the customer gets no internals, the operator gets the detail.
      options.log(`environment ${environmentId}: ${error instanceof Error ? error.message : String(error)}`);
      message = "The platform could not forward the events because of a problem on its side; it will try again.";
    }
    try {
      await recordFailure(database, environmentId, options.clock(), message, delivered);
    } catch (recordError) {
      options.log(`environment ${environmentId}: could not record the failure: ${recordError instanceof Error ? recordError.message : String(recordError)}`);
    }
    return { environmentId, delivered, more: false, error: message };
  }
}

/**
 * One pass: claims the due environments and forwards each one's oldest pending events.
 * Exported for tests, which drive the forwarder pass by pass (with a fake clock, no timers).
 */
export async function forwardOnce(options: ForwarderOptions = {}): Promise<ForwardResult[]> {
  const database = options.database ?? forwarderDb();
  const clock = options.clock ?? (() => new Date());
  const log = options.log ?? ((line: string) => console.log(`[key-use-log] ${line}`));
  const now = clock();
  await ensureForwardingRows(database, now);
  const claimed = await claimDue(database, now, new Date(now.getTime() + (options.leaseMs ?? DEFAULT_LEASE_MS)), options.batchSize ?? 10);
  return Promise.all(claimed.map((environmentId) => forwardEnvironment(database, environmentId, { clock, patience: options.patience ?? FORWARDER_PATIENCE, log })));
}

const poolHolder = globalThis as unknown as { __keyUseLogPrisma?: PrismaClient };

/** The forwarder's own small pool: slow AWS answers never hold a connection a page needs. */
export function forwarderDb(): PrismaClient {
  poolHolder.__keyUseLogPrisma ??= createPrismaClient(env().databaseUrl, 2);
  return poolHolder.__keyUseLogPrisma;
}

export interface KeyUseLogForwarder {
  /** Runs a pass now (or right after the one under way). */
  wake(): void;
  stop(): Promise<void>;
}

export function startKeyUseLogForwarder(options: ForwarderOptions = {}): KeyUseLogForwarder {
  const log = options.log ?? ((line: string) => console.log(`[key-use-log] ${line}`));
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
        // Keep going while an environment has more than a pass's worth, or a wake-up arrived meanwhile.
        let results: ForwardResult[];
        do {
          again = false;
          results = await forwardOnce({ ...options, log });
        } while (!stopped && (again || results.some((result) => result.more)));
      } catch (error) {
        log(`pass failed: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        current = undefined;
      }
    })();
  }

  const timer = setInterval(pass, options.pollIntervalMs ?? 5_000);
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

/** For server start (lib/server-startup.ts): one forwarder per process, even across dev reloads. */
export function ensureKeyUseLogForwarder(options?: ForwarderOptions): Promise<KeyUseLogForwarder> {
  return processSingleton("keyUseLogForwarder", () => Promise.resolve(startKeyUseLogForwarder(options)));
}
