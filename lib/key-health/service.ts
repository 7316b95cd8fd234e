import "server-only";
import { Prisma, type PrismaClient } from "@/generated/prisma/client";
import type { KeyHealthState } from "@/generated/prisma/enums";
import { recordAudit } from "@/lib/audit/record";
import { keyCommands } from "@/lib/byok/commands";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { raiseAlert, type Alert } from "@/lib/notifications/alerts";
import { provisioningDb } from "@/lib/provisioning/db";
import { recordKeyUses } from "@/lib/key-use-log/record";
import { cliEndpointOption } from "@/lib/sandbox-deploy/mode";
import { checkEnvironmentKeys, environmentCheckDeps, type CheckDeps, type CheckTarget } from "./check";
import { evaluateFindings, type Evaluation } from "./evaluate";
import type { CheckFindings, HealthAwsError, KeyHealthSnapshot, KeyHealthTransitionView, KeyKind } from "./findings";
import { limiterKeyFor } from "./limiter";
import { CHECK_NOW_INTERVAL_MS, CUSTOMER_FIXABLE_STATES, KEY_HEALTH_LABELS, UNREACHABLE_ALERT_THRESHOLD } from "./states";

/**
 * Key health of customer-managed environments (F9): runs checks, keeps the state machine and
 * its history, raises the alerts. No caller is checked here: the use cases
 * (./use-cases.ts) scope the environment to the caller first.
 *
 * Stable API (the pages and use cases build on it):
 *   runKeyHealthCheck(environmentId, cause, options?) → Promise<KeyHealthCheckResult | null>
 *       one check now and its consequences; null when the environment is not a Ready
 *       customer-managed one. `cause`: "scheduled" | "check-now" | "support-check-now".
 *   readKeyHealth(environmentId) → Promise<KeyHealthSnapshot | null>
 *       the current state, findings and the last HISTORY_LIMIT transitions (newest first);
 *       null while the environment has no key_health row.
 *   requestCheckNow(environmentId, cause) → Promise<KeyHealthSnapshot | CheckNowRateLimited>
 *       "Check now", at most once per CHECK_NOW_INTERVAL_MS per environment whoever asks
 *       (customer and support share the limit); the caller makes sure the environment is a
 *       Ready customer-managed one.
 *   ensureKeyHealthRow(writer, environment) / ensureMissingKeyHealthRows(client?)
 *       the row a Ready customer-managed environment needs to be checked.
 */

export type KeyHealthCause = "scheduled" | "check-now" | "support-check-now";

export interface CheckNowRateLimited {
  rateLimited: true;
  retryAfterSeconds: number;
}

/** Transitions a snapshot carries. */
export const HISTORY_LIMIT = 50;

export interface KeyHealthCheckResult {
  environmentId: string;
  previousState: KeyHealthState;
  state: KeyHealthState;
  /** What this check alone showed (AWS_UNREACHABLE also for an inconclusive one). */
  observed: KeyHealthState;
  unreachableCount: number;
  /** The account/Region bucket of the rate limiter (./limiter.ts). */
  limiterKey: string;
  /** The check met throttling: the limiter should slow down. */
  throttled: boolean;
  /** AWS calls made by "service:Operation". */
  calls: Record<string, number>;
  /** Alerts raised (notification ids). */
  alerts: string[];
  /** Wall time of the AWS part of the check and of the whole run, ms (benchmarks). */
  awsMs: number;
  totalMs: number;
}

export interface RunCheckOptions {
  /** The clock of the state machine (tests pass a fake one). Default: the wall clock. */
  now?: () => Date;
  /** Jitter of the next check (0..1). Default Math.random. */
  random?: () => number;
  /** The AWS side of the check. Default: the environment's tagged session (check.ts). */
  deps?: (target: CheckTarget) => CheckDeps;
  /** Awaited just before the check touches AWS (the scheduler's rate limiter). */
  beforeCheck?: (target: CheckTarget, limiterKey: string) => Promise<void>;
  /** Default: the background pool for scheduled checks, the web pool for the others. */
  client?: PrismaClient;
}

type Writer = Prisma.TransactionClient | PrismaClient;

/** The row that makes a Ready customer-managed environment checked: due at once. Safe to call twice. */
export async function ensureKeyHealthRow(writer: Writer, environment: { id: string; organizationId: string }): Promise<void> {
  await writer.keyHealth.createMany({ data: [{ environmentId: environment.id, organizationId: environment.organizationId }], skipDuplicates: true });
}

/** Every Ready customer-managed environment without a row gets one (environments made before key health existed). */
export async function ensureMissingKeyHealthRows(client: PrismaClient = provisioningDb()): Promise<number> {
  return client.$executeRaw`
    INSERT INTO key_health ("environmentId", "organizationId", "updatedAt")
    SELECT e.id, e."organizationId", now() AT TIME ZONE 'UTC'
      FROM environment e
     WHERE e.status = 'READY' AND e."encryptionMode" = 'CUSTOMER_MANAGED'
       AND e."s3KeyArn" IS NOT NULL AND (e."rdsKeyArn" IS NOT NULL OR (e."keyAccess" = 'ROLE' AND e."roleArn" IS NOT NULL))
       AND NOT EXISTS (SELECT 1 FROM key_health k WHERE k."environmentId" = e.id)
    ON CONFLICT DO NOTHING`;
}

/** The next scheduled check: the interval with ±10 % jitter, so environments made together spread out. */
export function nextCheckAt(now: Date, random: () => number = Math.random, intervalSeconds = env().keyHealthIntervalSeconds): Date {
  const factor = 0.9 + 0.2 * random();
  return new Date(now.getTime() + Math.round(intervalSeconds * 1000 * factor));
}

interface CheckedEnvironment {
  id: string;
  name: string;
  organizationId: string;
  tenantName: string | null;
  region: string;
  s3KeyArn: string;
  rdsKeyArn: string | null;
  organizationSlug: string;
  role?: { roleArn: string; externalId: string; wrappedDataKey: Uint8Array };
  logGroupArn: string | null;
}

async function loadCheckable(client: PrismaClient, environmentId: string): Promise<CheckedEnvironment | null> {
  const row = await client.environment.findUnique({
    where: { id: environmentId },
    select: {
      id: true,
      name: true,
      organizationId: true,
      tenantName: true,
      region: true,
      status: true,
      encryptionMode: true,
      s3KeyArn: true,
      rdsKeyArn: true,
      keyAccess: true,
      roleArn: true,
      wrappedDataKey: true,
      logGroupArn: true,
      organization: { select: { slug: true, externalId: true } },
    },
  });
  if (!row || row.status !== "READY" || row.encryptionMode !== "CUSTOMER_MANAGED" || !row.s3KeyArn) return null;
  const role =
    row.keyAccess === "ROLE" && row.roleArn && row.organization.externalId && row.wrappedDataKey
      ? { roleArn: row.roleArn, externalId: row.organization.externalId, wrappedDataKey: row.wrappedDataKey }
      : undefined;
  if (!role && !row.rdsKeyArn) return null;
  return {
    id: row.id,
    name: row.name,
    organizationId: row.organizationId,
    tenantName: row.tenantName,
    region: row.region,
    s3KeyArn: row.s3KeyArn,
    rdsKeyArn: row.rdsKeyArn,
    organizationSlug: row.organization.slug,
    ...(role ? { role } : {}),
    logGroupArn: row.logGroupArn,
  };
}

function targetOf(environment: CheckedEnvironment): CheckTarget {
  return {
    environmentId: environment.id,
    // The same tenant value provisioning puts in its encryption context (lib/provisioning/object-storage.ts),
    // so one CloudTrail filter finds every platform use of the customer's keys.
    tenant: environment.organizationSlug,
    region: environment.region,
    s3KeyArn: environment.s3KeyArn,
    rdsKeyArn: environment.rdsKeyArn,
    ...(environment.role ? { role: environment.role } : {}),
  };
}

interface LockedRow {
  state: KeyHealthState;
  unreachableCount: number;
  rotationOff: boolean;
  findings: unknown;
}

function storedProblem(findings: unknown): CheckFindings["problem"] | undefined {
  if (typeof findings !== "object" || findings === null || !("problem" in findings)) return undefined;
  const problem = (findings as { problem?: unknown }).problem;
  return typeof problem === "object" && problem !== null ? (problem as CheckFindings["problem"]) : undefined;
}

/** Runs one check of the environment now and stores what follows from it. */
export async function runKeyHealthCheck(environmentId: string, cause: KeyHealthCause, options: RunCheckOptions = {}): Promise<KeyHealthCheckResult | null> {
  const client = options.client ?? (cause === "scheduled" ? provisioningDb() : db());
  const now = options.now ?? (() => new Date());
  const started = performance.now();
  const environment = await loadCheckable(client, environmentId);
  if (!environment) return null;
  // A scheduled check was claimed from its row; anyone else may be first to look at a new environment.
  if (cause !== "scheduled") await ensureKeyHealthRow(client, environment);
  const target = targetOf(environment);
  const limiterKey = limiterKeyFor(environment.s3KeyArn, environment.region);
  await options.beforeCheck?.(target, limiterKey);
  const deps = options.deps?.(target) ?? environmentCheckDeps(target, env().resourcePrefix);
  const awsStarted = performance.now();
  const outcome = await checkEnvironmentKeys(target, deps);
  const awsMs = performance.now() - awsStarted;
  await recordKeyUses({ id: environment.id, organizationId: environment.organizationId, logGroupArn: environment.logGroupArn }, outcome.keyUses, client);

  return client.$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<LockedRow[]>`
      SELECT state::text AS state, "unreachableCount", "rotationOff", findings
        FROM key_health WHERE "environmentId" = ${environmentId}::uuid FOR UPDATE`;
    if (!row) throw new Error(`key_health row of environment ${environmentId} disappeared during its check.`);
    const problem = storedProblem(row.findings);
    const evaluation = evaluateFindings(outcome.findings, {
      state: row.state,
      unreachableCount: row.unreachableCount,
      rotationOff: row.rotationOff,
      ...(problem ? { problem } : {}),
    });
    const checkedAt = now();
    const findings: CheckFindings = {
      ...outcome.findings,
      ...(evaluation.problem ? { problem: evaluation.problem } : {}),
      notes: [...outcome.findings.notes, ...evaluation.notes],
    };
    const changed = evaluation.state !== row.state;
    await tx.keyHealth.update({
      where: { environmentId },
      data: {
        state: evaluation.state,
        ...(changed ? { stateSince: checkedAt } : {}),
        rotationOff: evaluation.rotationOff,
        findings: findings as unknown as Prisma.InputJsonObject,
        checkedAt,
        nextCheckAt: nextCheckAt(checkedAt, options.random),
        unreachableCount: evaluation.unreachableCount,
      },
    });
    const alerts: string[] = [];
    if (changed) {
      await tx.keyHealthTransition.create({
        data: {
          environmentId,
          organizationId: environment.organizationId,
          fromState: row.state,
          toState: evaluation.state,
          cause,
          awsError: transitionError(evaluation),
          findings: findings as unknown as Prisma.InputJsonObject,
          createdAt: checkedAt,
        },
      });
      const alert = alertFor(environment, row.state, evaluation, findings);
      if (alert) alerts.push((await raiseAlert(tx, alert)).notificationId);
    }
    if (outcome.recoveryStarted) {
      await recordAudit(tx, {
        organizationId: environment.organizationId,
        environmentId,
        actor: { type: "platform" },
        action: "key-health.cluster-started",
        details: { cause, reason: "The database cluster had lost access to its key; the key is usable again." },
      });
    }
    if (changed) {
      // Last in the transaction: audit appends are serialized until commit.
      await recordAudit(tx, {
        organizationId: environment.organizationId,
        environmentId,
        actor: { type: "platform" },
        action: "key-health.state-changed",
        details: {
          cause,
          from: row.state,
          to: evaluation.state,
          ...(evaluation.awsError ? { awsError: evaluation.awsError as unknown as Prisma.InputJsonObject } : {}),
          alerts,
        },
      });
    }
    return {
      environmentId,
      previousState: row.state,
      state: evaluation.state,
      observed: evaluation.observed,
      unreachableCount: evaluation.unreachableCount,
      limiterKey,
      throttled: outcome.throttled,
      calls: outcome.calls,
      alerts,
      awsMs,
      totalMs: performance.now() - started,
    };
  });
}

function transitionError(evaluation: Evaluation): Prisma.InputJsonObject | typeof Prisma.DbNull {
  if (!evaluation.awsError) return Prisma.DbNull;
  return {
    ...evaluation.awsError,
    ...(evaluation.problem ? { key: evaluation.problem.key, ...(evaluation.problem.path ? { path: evaluation.problem.path } : {}) } : {}),
  } as unknown as Prisma.InputJsonObject;
}

const KEY_LABEL: Record<KeyKind, string> = { s3: "S3", rds: "RDS" };

function environmentLabel(environment: CheckedEnvironment): string {
  return environment.tenantName ?? environment.name;
}

/**
 * The alert for a state change, if it deserves one: into a state the customer fixes
 * (critical), into AWS unreachable (a warning: never the customer's doing), and back to
 * Healthy from any of those (info). Nothing for the first Healthy after "Not checked yet".
 */
function alertFor(environment: CheckedEnvironment, from: KeyHealthState, evaluation: Evaluation, findings: CheckFindings): Alert | null {
  const to = evaluation.state;
  const name = environmentLabel(environment);
  const details: Prisma.InputJsonObject = {
    environmentName: environment.name,
    tenantName: environment.tenantName,
    region: environment.region,
    fromState: from,
    toState: to,
    ...(evaluation.problem ? { problem: evaluation.problem as unknown as Prisma.InputJsonObject } : {}),
  };
  const base = { organizationId: environment.organizationId, environmentId: environment.id, details };
  if (CUSTOMER_FIXABLE_STATES.includes(to)) {
    const kind = evaluation.problem?.key ?? "s3";
    // Role mode has one key (the S3 slot): every problem is about it.
    const keyArn = (kind === "rds" ? environment.rdsKeyArn : null) ?? environment.s3KeyArn;
    return {
      ...base,
      kind: "key-health.degraded",
      severity: "critical",
      title: `${KEY_HEALTH_LABELS[to]}: the ${KEY_LABEL[kind]} key of ${name}`,
      body: degradedBody(to, kind, keyArn, environment, findings),
    };
  }
  if (to === "AWS_UNREACHABLE") {
    return {
      ...base,
      kind: "key-health.degraded",
      severity: "warning",
      title: `${KEY_HEALTH_LABELS.AWS_UNREACHABLE}: could not check the keys of ${name}`,
      body:
        `The platform could not reach AWS to check the keys of ${name} in ${environment.region} for ${UNREACHABLE_ALERT_THRESHOLD} checks in a row` +
        `${describeError(evaluation.awsError)}. This is temporary trouble on the AWS side, not something wrong with your keys; the platform keeps checking and tells you when the keys are confirmed healthy again.`,
    };
  }
  if (to === "HEALTHY" && from !== "UNKNOWN" && from !== "HEALTHY") {
    return {
      ...base,
      kind: "key-health.recovered",
      severity: "info",
      title: `${KEY_HEALTH_LABELS.HEALTHY} again: the keys of ${name}`,
      body: `The keys of ${name} work again: the platform wrote and read data with the S3 key and the database cluster can use the RDS key. It was "${KEY_HEALTH_LABELS[from]}".`,
    };
  }
  return null;
}

function describeError(error: HealthAwsError | null): string {
  return error ? ` (last error: ${error.code} from ${error.service}:${error.operation})` : "";
}

function degradedBody(state: KeyHealthState, kind: KeyKind, keyArn: string, environment: CheckedEnvironment, findings: CheckFindings): string {
  const key = `the ${KEY_LABEL[kind]} key (${keyArn})`;
  const commands = keyCommands(keyArn, environment.region, cliEndpointOption());
  const name = environmentLabel(environment);
  const impact = kind === "s3" ? "The environment cannot read or write its stored files" : "The environment's database cannot use its storage";
  switch (state) {
    case "KEY_DISABLED":
      return `${impact}: ${key} of ${name} is disabled. Enable it with: ${commands.enable}`;
    case "PENDING_DELETION": {
      const date = findings.keys.find((k) => k.kind === kind)?.deletionDate;
      return (
        `${key} of ${name} is scheduled for deletion${date ? ` on ${date}` : ""}; once deleted, the data encrypted with it cannot be recovered. ` +
        `Cancel the deletion and enable the key: ${commands.cancelDeletion} then ${commands.enable}`
      );
    }
    case "ACCESS_DENIED": {
      const sid = findings.problem?.statementSid;
      const path = findings.problem?.path === "rds" ? "the database (RDS)" : "stored files (S3)";
      return (
        `${impact}: the key policy of ${key} of ${name} no longer lets the platform use it for ${path}. ` +
        `Restore the statement ${sid ?? "the platform needs"} from the policy shown on the environment page. Current policy: ${commands.getPolicy()}`
      );
    }
    case "KEY_NOT_FOUND":
      return `${key} of ${name} no longer exists in AWS KMS, or is in another account or Region than recorded. Data encrypted with a deleted key cannot be recovered; contact support.`;
    default:
      return `${impact}.`;
  }
}

/** The environment's key health as the pages show it, with the newest HISTORY_LIMIT transitions. */
export async function readKeyHealth(environmentId: string, client: PrismaClient = db()): Promise<KeyHealthSnapshot | null> {
  const row = await client.keyHealth.findUnique({ where: { environmentId } });
  if (!row) return null;
  const transitions = await client.keyHealthTransition.findMany({
    where: { environmentId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: HISTORY_LIMIT,
    select: { fromState: true, toState: true, cause: true, awsError: true, createdAt: true },
  });
  const history: KeyHealthTransitionView[] = transitions.map((t) => ({
    fromState: t.fromState,
    toState: t.toState,
    cause: t.cause,
    awsError: (t.awsError as HealthAwsError | null) ?? null,
    createdAt: t.createdAt.toISOString(),
  }));
  return {
    environmentId,
    state: row.state,
    stateSince: row.stateSince.toISOString(),
    rotationOff: row.rotationOff,
    findings: normalizeFindings(row.findings),
    checkedAt: row.checkedAt?.toISOString() ?? null,
    nextCheckAt: row.nextCheckAt.toISOString(),
    unreachableCount: row.unreachableCount,
    manualCheckAt: row.manualCheckAt?.toISOString() ?? null,
    history,
  };
}

/** A row not checked yet holds `{}`. */
function normalizeFindings(value: unknown): CheckFindings {
  const findings = (typeof value === "object" && value !== null ? value : {}) as Partial<CheckFindings>;
  return {
    keys: Array.isArray(findings.keys) ? findings.keys : [],
    paths: Array.isArray(findings.paths) ? findings.paths : [],
    notes: Array.isArray(findings.notes) ? findings.notes : [],
    ...(findings.problem ? { problem: findings.problem } : {}),
  };
}

/**
 * "Check now": claims the environment's manual check atomically (one per
 * CHECK_NOW_INTERVAL_MS, across processes), runs it, and returns the snapshot after it.
 * The caller has made sure the environment is a Ready customer-managed one.
 */
export async function requestCheckNow(environmentId: string, cause: Exclude<KeyHealthCause, "scheduled">, options: Omit<RunCheckOptions, "client"> = {}): Promise<KeyHealthSnapshot | CheckNowRateLimited> {
  const client = db();
  const intervalSeconds = CHECK_NOW_INTERVAL_MS / 1000;
  const claim = () => client.$queryRaw<Array<{ environmentId: string }>>`
    UPDATE key_health SET "manualCheckAt" = now() AT TIME ZONE 'UTC', "updatedAt" = now() AT TIME ZONE 'UTC'
     WHERE "environmentId" = ${environmentId}::uuid
       AND ("manualCheckAt" IS NULL OR "manualCheckAt" <= (now() AT TIME ZONE 'UTC') - make_interval(secs => ${intervalSeconds}))
    RETURNING "environmentId"::text AS "environmentId"`;
  let claimed = await claim();
  if (claimed.length === 0) {
    const [existing] = await client.$queryRaw<Array<{ retryAfterSeconds: number }>>`
      SELECT EXTRACT(EPOCH FROM ("manualCheckAt" + make_interval(secs => ${intervalSeconds}) - (now() AT TIME ZONE 'UTC')))::float8 AS "retryAfterSeconds"
        FROM key_health WHERE "environmentId" = ${environmentId}::uuid`;
    if (existing) return { rateLimited: true, retryAfterSeconds: Math.max(1, Math.ceil(existing.retryAfterSeconds)) };
    // No row yet (an environment made Ready before key health existed, not swept yet).
    const environment = await loadCheckable(client, environmentId);
    if (!environment) throw new Error(`Environment ${environmentId} is not a Ready customer-managed environment.`);
    await ensureKeyHealthRow(client, environment);
    claimed = await claim();
    if (claimed.length === 0) return { rateLimited: true, retryAfterSeconds: intervalSeconds };
  }
  await runKeyHealthCheck(environmentId, cause, { ...options, client });
  const snapshot = await readKeyHealth(environmentId, client);
  if (!snapshot) throw new Error(`key_health row of environment ${environmentId} disappeared during its check.`);
  return snapshot;
}
