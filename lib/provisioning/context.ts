import "server-only";
import type { Prisma } from "@/generated/prisma/client";
import { recordAudit } from "@/lib/audit/record";
import type { KMSClient } from "@aws-sdk/client-kms";
import { PROVISIONING_PATIENCE, type AwsClients, type ClientPatience } from "@/lib/aws/clients";
import { customerRoleClients } from "@/lib/aws/customer-role";
import { AwsCallError, classifyAwsError, malformedAnswer, normalizeAwsError, type AwsErrorInfo, type AwsServiceName } from "@/lib/aws/errors";
import { env } from "@/lib/env";
import { recordKeyUse } from "@/lib/key-use-log/record";
import { provisioningDb } from "./db";
import type { StepKey } from "./names";
import { lastRetrySchema, type LastRetry } from "./retry-state";

/** What a step knows about the environment it provisions. */
export interface ProvisioningEnvironment {
  id: string;
  organizationId: string;
  organizationSlug: string;
  region: string;
  encryptionMode: "VENDOR_MANAGED" | "CUSTOMER_MANAGED";
  s3KeyArn: string | null;
  rdsKeyArn: string | null;
  tenantName: string | null;
  /** Role mode (F8): the platform reaches `s3KeyArn` through the customer's role. */
  keyAccess: "KEY_POLICY" | "ROLE";
  roleArn: string | null;
  /** The organization's External ID (role mode). */
  externalId: string | null;
  /** Key uses are recorded for forwarding when the customer gave a log group. */
  logGroupArn: string | null;
}

export interface ProvisioningTimings {
  /** First wait between two looks at a new database cluster; doubles up to the maximum. */
  clusterPollInitialMs: number;
  clusterPollMaxMs: number;
  /** How long a cluster may take to become available before the step counts it as a temporary failure. */
  clusterWaitTimeoutMs: number;
  /**
   * Backoff after a temporary failure, as AWS recommends: the ceiling starts here, doubles
   * with every try in a row up to `retryMaxDelayMs`, and the wait is drawn uniformly between
   * zero and the ceiling ("full jitter"), so many runs throttled at once spread out.
   */
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  /**
   * How long a step keeps trying temporary failures in a row, from the first of them, before
   * the environment fails. Any call that goes through starts the count again.
   */
  retryBudgetMs: number;
}

const REAL_AWS_TIMINGS: Omit<ProvisioningTimings, "retryBudgetMs"> = {
  clusterPollInitialMs: 15_000,
  clusterPollMaxMs: 60_000,
  clusterWaitTimeoutMs: 60 * 60_000,
  retryBaseDelayMs: 1_000,
  retryMaxDelayMs: 60_000,
};

/**
 * The sandbox creates clusters in seconds; polling it at AWS's pace would only be slow, and a
 * doubling wait would notice a ready cluster up to a second late (measured by bench:provisioning).
 */
const LOCAL_ENDPOINT_TIMINGS: Omit<ProvisioningTimings, "retryBudgetMs"> = {
  clusterPollInitialMs: 100,
  clusterPollMaxMs: 250,
  clusterWaitTimeoutMs: 10 * 60_000,
  retryBaseDelayMs: 100,
  retryMaxDelayMs: 2_000,
};

export function resolveTimings(overrides: Partial<ProvisioningTimings> = {}): ProvisioningTimings {
  const base = env().awsEndpoint === undefined ? REAL_AWS_TIMINGS : LOCAL_ENDPOINT_TIMINGS;
  return { ...base, retryBudgetMs: env().provisioningRetryBudgetSeconds * 1000, ...overrides };
}

/** The ceiling of the n-th wait in a row (n ≥ 1), before jitter. */
export function backoffCeilingMs(timings: Pick<ProvisioningTimings, "retryBaseDelayMs" | "retryMaxDelayMs">, n: number): number {
  return Math.min(timings.retryMaxDelayMs, timings.retryBaseDelayMs * 2 ** Math.min(n - 1, 30));
}

export interface AwsCallSpec {
  service: AwsServiceName;
  operation: string;
  /** The ARN or name of what the call acts on. */
  resource: string;
  /** The customer key the call makes AWS use, if any. */
  keyArn: string | null;
  /** The encryption context of that key use, when the call sets one (forwarded to the customer's key-use log). */
  encryptionContext?: Record<string, string>;
}

export interface AwsCallEvent extends AwsCallSpec {
  environmentId: string;
  stepKey: StepKey;
  requestId: string | null;
  outcome: "succeeded" | "already-exists";
}

export interface ProvisioningHooks {
  /**
   * After each AWS call that went through, before the step records its result. A throw here
   * behaves like the process dying at that moment: nothing more is written for this run.
   */
  afterAwsCall?(event: AwsCallEvent): void | Promise<void>;
  /** After a step's result is committed; a throw here is a crash between steps. */
  afterStep?(event: { stepKey: StepKey; status: "SUCCEEDED" | "FAILED" }): void | Promise<void>;
  /** After a temporary failure is recorded, before the wait (tests watch retries with it). */
  onRetry?(event: RetryEvent): void | Promise<void>;
  /** Draws the jitter, uniform in [0, 1). Default Math.random; tests may pass a seeded one. */
  random?(): number;
}

/** The run stops without writing anything more: a crash (from a hook), a lost lock or a shutdown. */
export class RunAbandoned extends Error {
  constructor(
    readonly reason: "hook" | "lock-lost" | "shutdown",
    options?: { cause?: unknown },
  ) {
    super(`Provisioning run abandoned (${reason}).`, options);
    this.name = "RunAbandoned";
  }
}

/** A step failure that is not an AWS error but has a clear, customer-safe explanation. */
export class StepFailure extends Error {
  constructor(
    readonly code: string,
    readonly customerMessage: string,
    readonly awsService: AwsServiceName | null,
    readonly transient: boolean,
    readonly requestId: string | null = null,
  ) {
    super(`${code}: ${customerMessage}`);
    this.name = "StepFailure";
  }
}

export async function runHook(hook: () => void | Promise<void>): Promise<void> {
  try {
    await hook();
  } catch (error) {
    throw new RunAbandoned("hook", { cause: error });
  }
}

/** A temporary failure the step is about to try again, as stored on the step and audited. */
export interface RetryEvent {
  stepKey: StepKey;
  operation: string;
  service: AwsServiceName | null;
  code: string;
  message: string;
  requestId: string | null;
  /** This step's retries so far in this attempt, this one included. */
  retryCount: number;
  /** When the failures in a row began (the budget counts from here). */
  since: string;
  nextTryAt: string;
  delayMs: number;
}

/** What a step row says about retries, read when a run starts or resumes. */
export interface StepRetryState {
  retryCount: number;
  retryAt: Date | null;
  lastRetry: Prisma.JsonValue | null;
}

/**
 * The retry book of one step in one run: counts temporary failures in a row, draws the
 * backoff, stores "retrying, next try at …" on the step (the customer's page and support
 * read it) with an audit event, waits, and says when the budget is spent. A run that
 * resumes a step which was waiting carries on with the same budget.
 */
export class StepRetries {
  private since: Date | null;
  private inRow = 0;
  private count: number;
  private waiting: boolean;

  constructor(
    private readonly stepId: string,
    private readonly stepKey: StepKey,
    private readonly attemptId: string,
    private readonly environment: Pick<ProvisioningEnvironment, "id" | "organizationId">,
    private readonly timings: ProvisioningTimings,
    private readonly hooks: ProvisioningHooks,
    private readonly checkAlive: () => Promise<void>,
    private readonly signal: AbortSignal | undefined,
    state: StepRetryState,
  ) {
    this.count = state.retryCount;
    this.waiting = state.retryAt !== null;
    this.since = state.retryAt !== null ? sinceOf(state.lastRetry) : null;
  }

  /**
   * After a temporary failure: false when the budget is spent (the caller fails the step),
   * else records the retry, waits the backoff and returns true.
   */
  async waitBeforeRetry(failure: { operation: string; service: AwsServiceName | null; code: string; message: string; requestId: string | null }): Promise<boolean> {
    const now = new Date();
    this.since ??= now;
    if (now.getTime() - this.since.getTime() >= this.timings.retryBudgetMs) return false;
    this.inRow += 1;
    this.count += 1;
    const ceiling = backoffCeilingMs(this.timings, this.inRow);
    const remaining = this.timings.retryBudgetMs - (now.getTime() - this.since.getTime());
    const delayMs = Math.max(1, Math.min(remaining, Math.floor((this.hooks.random ?? Math.random)() * ceiling)));
    const nextTryAt = new Date(now.getTime() + delayMs);
    const event: RetryEvent = {
      stepKey: this.stepKey,
      ...failure,
      retryCount: this.count,
      since: this.since.toISOString(),
      nextTryAt: nextTryAt.toISOString(),
      delayMs,
    };
    await this.checkAlive();
    await provisioningDb().$transaction(async (tx) => {
      await tx.provisioningStep.update({
        where: { id: this.stepId },
        data: {
          // Incremented in the database: a step's calls run side by side (one per bucket), and
          // two retries' transactions may commit in either order; writing this.count lost one.
          retryCount: { increment: 1 },
          retryAt: nextTryAt,
          lastRetry: { ...failure, at: now.toISOString(), since: event.since } satisfies LastRetry,
        },
      });
      await recordAudit(tx, {
        organizationId: this.environment.organizationId,
        environmentId: this.environment.id,
        actor: { type: "platform" },
        action: "provisioning.step.retrying",
        details: {
          attemptId: this.attemptId,
          step: this.stepKey,
          operation: failure.operation,
          service: failure.service,
          errorCode: failure.code,
          errorMessage: failure.message,
          requestId: failure.requestId,
          retryCount: this.count,
          since: event.since,
          nextTryAt: event.nextTryAt,
          delayMs,
        },
      });
    });
    this.waiting = true;
    await runHook(() => this.hooks.onRetry?.(event));
    await pause(delayMs, this.signal);
    await this.checkAlive();
    return true;
  }

  /** A call went through: the failures in a row are over, and the step no longer says "Retrying". */
  async succeeded(): Promise<void> {
    this.since = null;
    this.inRow = 0;
    if (!this.waiting) return;
    this.waiting = false;
    await provisioningDb().provisioningStep.update({ where: { id: this.stepId }, data: { retryAt: null } });
  }
}

function sinceOf(lastRetry: Prisma.JsonValue | null): Date | null {
  const parsed = lastRetrySchema.safeParse(lastRetry);
  if (!parsed.success) return null;
  const date = new Date(parsed.data.since);
  return Number.isNaN(date.getTime()) ? null : date;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: AwsErrorInfo };

/** Options of one AWS call. */
export interface CallOptions<T> {
  /** Error codes that are an answer, not a failure (e.g. "already exists and yours"). */
  accept?: readonly string[];
  /**
   * False when a 200 answer lacks what every real answer carries (an empty body from
   * something in the way): treated as an unreadable, temporary failure.
   */
  complete?: (output: T) => boolean;
  /** Not audited call by call (polls): the caller audits a summary. */
  quiet?: boolean;
}

/** KMS as a role-mode environment's customer role. */
export function roleKmsFor(environment: ProvisioningEnvironment, patience: ClientPatience): KMSClient {
  if (environment.keyAccess !== "ROLE" || !environment.roleArn || !environment.externalId) {
    throw new Error(`Environment ${environment.id} is not in role mode, or its role or External ID is missing.`);
  }
  return customerRoleClients({ environmentId: environment.id, region: environment.region, roleArn: environment.roleArn, externalId: environment.externalId }, patience).kms;
}

/** Everything a step uses: the environment, the clients, and AWS calls that are audited and retried. */
export class StepContext {
  /** The request id and service of the last AWS call, stored on the step. */
  lastCall: { requestId: string | null; service: AwsServiceName } | null = null;

  constructor(
    readonly stepKey: StepKey,
    readonly attemptId: string,
    readonly environment: ProvisioningEnvironment,
    readonly resourcePrefix: string,
    readonly partition: string,
    readonly clients: AwsClients,
    readonly timings: ProvisioningTimings,
    private readonly hooks: ProvisioningHooks,
    readonly retries: StepRetries,
    readonly checkAlive: () => Promise<void>,
    readonly signal: AbortSignal | undefined,
  ) {}

  /**
   * The customer's key for storage or the database; null for vendor-managed encryption. In role
   * mode the one customer key wraps the environment's data key (which encrypts the storage), and
   * the database is encrypted by AWS with the platform's key: there is no RDS key.
   */
  customerKeyArn(kind: "s3" | "rds"): string | null {
    const { environment } = this;
    if (environment.encryptionMode !== "CUSTOMER_MANAGED") return null;
    if (environment.keyAccess === "ROLE" && kind === "rds") return null;
    const keyArn = kind === "s3" ? environment.s3KeyArn : environment.rdsKeyArn;
    if (!keyArn) throw new Error(`Environment ${environment.id} is customer-managed but has no ${kind.toUpperCase()} key ARN.`);
    return keyArn;
  }

  /** KMS as the customer's role (role mode), in a session of this environment's platform session. */
  roleKms(): KMSClient {
    return roleKmsFor(this.environment, PROVISIONING_PATIENCE);
  }

  /** The ARN of one of this environment's buckets (or of an object in it), in the configured partition. */
  s3Arn(bucket: string, key?: string): string {
    return `arn:${this.partition}:s3:::${bucket}${key === undefined ? "" : `/${key}`}`;
  }

  /** Runs one AWS call, trying temporary failures again within the step's budget; any other error is thrown as AwsCallError. */
  async call<T extends { $metadata?: { requestId?: string } }>(spec: AwsCallSpec, send: () => Promise<T>, options: Omit<CallOptions<T>, "accept"> = {}): Promise<T> {
    const outcome = await this.callAccepting(spec, send, [], options);
    if (!outcome.ok) throw new AwsCallError(outcome.error, spec.operation);
    return outcome.value;
  }

  /** Like `call`, but an error whose code is listed is returned, not thrown. */
  async callAccepting<T extends { $metadata?: { requestId?: string } }>(
    spec: AwsCallSpec,
    send: () => Promise<T>,
    accept: readonly string[],
    options: Omit<CallOptions<T>, "accept"> = {},
  ): Promise<Outcome<T>> {
    for (;;) {
      const outcome = await this.attempt(spec, send, { ...options, accept });
      if (outcome.ok || accept.includes(outcome.error.code)) {
        await this.retries.succeeded();
        return outcome;
      }
      const error = outcome.error;
      if (classifyAwsError(error) === "temporary") {
        const again = await this.retries.waitBeforeRetry({
          operation: spec.operation,
          service: error.service,
          code: error.code,
          message: error.message,
          requestId: error.requestId,
        });
        if (again) continue;
      }
      throw new AwsCallError(error, spec.operation);
    }
  }

  private async attempt<T extends { $metadata?: { requestId?: string } }>(spec: AwsCallSpec, send: () => Promise<T>, options: CallOptions<T>): Promise<Outcome<T>> {
    await this.checkAlive();
    let result: Outcome<T>;
    try {
      const value = await send();
      result = options.complete && !options.complete(value) ? { ok: false, error: malformedAnswer(spec.service, spec.operation, value.$metadata?.requestId ?? null) } : { ok: true, value };
    } catch (error) {
      result = { ok: false, error: normalizeAwsError(error, spec.service) };
    }
    const requestId = result.ok ? (result.value.$metadata?.requestId ?? null) : result.error.requestId;
    this.lastCall = { requestId, service: spec.service };
    const accepted = !result.ok && (options.accept ?? []).includes(result.error.code);
    if (!options.quiet || !result.ok) {
      await this.audit(spec, {
        requestId,
        outcome: result.ok ? "succeeded" : accepted ? "already-exists" : "failed",
        ...(result.ok ? {} : { errorCode: result.error.code, errorMessage: result.error.message }),
      });
    }
    if (spec.keyArn !== null && usesKey(spec)) {
      const { environment } = this;
      await recordKeyUse(
        { id: environment.id, organizationId: environment.organizationId, logGroupArn: environment.logGroupArn },
        { occurredAt: new Date(), action: spec.service === "kms" ? spec.operation : `${spec.service}:${spec.operation}`, keyArn: spec.keyArn, encryptionContext: spec.encryptionContext ?? {}, requestId, outcome: result.ok ? "success" : result.error.code },
        provisioningDb(),
      );
    }
    if (result.ok || accepted) {
      await runHook(() => this.hooks.afterAwsCall?.({ ...spec, environmentId: this.environment.id, stepKey: this.stepKey, requestId, outcome: result.ok ? "succeeded" : "already-exists" }));
    }
    return result;
  }

  /** Every AWS call the platform makes for a tenant is an audit event on the environment. */
  async audit(spec: AwsCallSpec, result: { requestId: string | null; outcome: string; errorCode?: string; errorMessage?: string } & Record<string, Prisma.InputJsonValue | null | undefined>): Promise<void> {
    const details: Record<string, Prisma.InputJsonValue | null> = {
      attemptId: this.attemptId,
      step: this.stepKey,
      service: spec.service,
      operation: spec.operation,
      resource: spec.resource,
      keyArn: spec.keyArn,
      region: this.environment.region,
    };
    for (const [key, value] of Object.entries(result)) if (value !== undefined) details[key] = value;
    await recordAudit(provisioningDb(), {
      organizationId: this.environment.organizationId,
      environmentId: this.environment.id,
      actor: { type: "platform" },
      action: "aws.call",
      details,
    });
  }
}

/**
 * The calls that make AWS use the customer's key (KMS itself, S3 writing or reading an object
 * under it, RDS creating or starting a cluster on it), as opposed to calls that only name it
 * (a bucket's default encryption, a cluster's description).
 */
const KEY_USING_CALLS = new Set(["s3:PutObject", "s3:GetObject", "rds:CreateDBCluster", "rds:StartDBCluster"]);
function usesKey(spec: AwsCallSpec): boolean {
  return spec.service === "kms" || KEY_USING_CALLS.has(`${spec.service}:${spec.operation}`);
}

/** Waits, or stops early when the worker shuts down. */
export function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new RunAbandoned("shutdown"));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new RunAbandoned("shutdown"));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
