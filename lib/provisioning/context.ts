import type { Prisma } from "@/generated/prisma/client";
import { recordAudit } from "@/lib/audit/record";
import type { AwsClients } from "@/lib/aws/clients";
import { AwsCallError, normalizeAwsError, type AwsErrorInfo, type AwsServiceName } from "@/lib/aws/errors";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import type { StepKey } from "./names";

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
}

export interface ProvisioningTimings {
  /** First wait between two looks at a new database cluster; doubles up to the maximum. */
  clusterPollInitialMs: number;
  clusterPollMaxMs: number;
  /** How long a cluster may take to become available before the step gives up (and can be retried). */
  clusterWaitTimeoutMs: number;
  /** A step that failed on throttling or an AWS-side error runs again after this (doubling). */
  stepRetryDelayMs: number;
  /** Tries of one step within one attempt when its failures are transient. */
  maxStepTries: number;
}

const REAL_AWS_TIMINGS: ProvisioningTimings = {
  clusterPollInitialMs: 15_000,
  clusterPollMaxMs: 60_000,
  clusterWaitTimeoutMs: 60 * 60_000,
  stepRetryDelayMs: 10_000,
  maxStepTries: 3,
};

/** The sandbox creates clusters in milliseconds; polling it at AWS's pace would only be slow. */
const LOCAL_ENDPOINT_TIMINGS: ProvisioningTimings = {
  clusterPollInitialMs: 100,
  clusterPollMaxMs: 2_000,
  clusterWaitTimeoutMs: 10 * 60_000,
  stepRetryDelayMs: 200,
  maxStepTries: 3,
};

export function resolveTimings(overrides: Partial<ProvisioningTimings> = {}): ProvisioningTimings {
  const base = env().awsEndpoint === undefined ? REAL_AWS_TIMINGS : LOCAL_ENDPOINT_TIMINGS;
  return { ...base, ...overrides };
}

export interface AwsCallSpec {
  service: AwsServiceName;
  operation: string;
  /** The ARN or name of what the call acts on. */
  resource: string;
  /** The customer key the call makes AWS use, if any. */
  keyArn: string | null;
}

export interface AwsCallEvent extends AwsCallSpec {
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

type Outcome<T> = { ok: true; value: T } | { ok: false; error: AwsErrorInfo };

/** Everything a step uses: the environment, the clients, and AWS calls that are audited. */
export class StepContext {
  /** The request id and service of the last AWS call, stored on the step. */
  lastCall: { requestId: string | null; service: AwsServiceName } | null = null;

  constructor(
    readonly stepKey: StepKey,
    readonly attemptId: string,
    readonly environment: ProvisioningEnvironment,
    readonly resourcePrefix: string,
    readonly clients: AwsClients,
    readonly timings: ProvisioningTimings,
    private readonly hooks: ProvisioningHooks,
    readonly checkAlive: () => Promise<void>,
    readonly signal: AbortSignal | undefined,
  ) {}

  /** Runs one AWS call; any error is thrown as AwsCallError. */
  async call<T extends { $metadata?: { requestId?: string } }>(spec: AwsCallSpec, send: () => Promise<T>): Promise<T> {
    const outcome = await this.attempt(spec, send, []);
    if (!outcome.ok) throw new AwsCallError(outcome.error, spec.operation);
    return outcome.value;
  }

  /** Like `call`, but an error whose code is listed (e.g. "already exists and yours") is returned, not thrown. */
  async callAccepting<T extends { $metadata?: { requestId?: string } }>(
    spec: AwsCallSpec,
    send: () => Promise<T>,
    accept: readonly string[],
  ): Promise<Outcome<T>> {
    const outcome = await this.attempt(spec, send, accept);
    if (!outcome.ok && !accept.includes(outcome.error.code)) throw new AwsCallError(outcome.error, spec.operation);
    return outcome;
  }

  private async attempt<T extends { $metadata?: { requestId?: string } }>(
    spec: AwsCallSpec,
    send: () => Promise<T>,
    accept: readonly string[],
  ): Promise<Outcome<T>> {
    await this.checkAlive();
    let result: Outcome<T>;
    try {
      result = { ok: true, value: await send() };
    } catch (error) {
      result = { ok: false, error: normalizeAwsError(error, spec.service) };
    }
    const requestId = result.ok ? (result.value.$metadata?.requestId ?? null) : result.error.requestId;
    this.lastCall = { requestId, service: spec.service };
    const accepted = !result.ok && accept.includes(result.error.code);
    await this.audit(spec, {
      requestId,
      outcome: result.ok ? "succeeded" : accepted ? "already-exists" : "failed",
      ...(result.ok ? {} : { errorCode: result.error.code, errorMessage: result.error.message }),
    });
    if (result.ok || accepted) {
      await runHook(() => this.hooks.afterAwsCall?.({ ...spec, stepKey: this.stepKey, requestId, outcome: result.ok ? "succeeded" : "already-exists" }));
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
    await recordAudit(db(), {
      organizationId: this.environment.organizationId,
      environmentId: this.environment.id,
      actor: { type: "platform" },
      action: "aws.call",
      details,
    });
  }
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
