import "server-only";
import type { Prisma, ProvisioningStep } from "@/generated/prisma/client";
import { recordAudit } from "@/lib/audit/record";
import { hostname } from "node:os";
import { CHECK_PATIENCE, environmentAwsClients } from "@/lib/aws/environment-session";
import { AwsCallError, isTransientAwsError, type AwsServiceName } from "@/lib/aws/errors";
import { env } from "@/lib/env";
import {
  RunAbandoned,
  StepContext,
  StepFailure,
  StepRetries,
  resolveTimings,
  roleKmsFor,
  runHook,
  type ProvisioningEnvironment,
  type ProvisioningHooks,
  type ProvisioningTimings,
} from "./context";
import { provisionDatabase, verifyDatabase } from "./database";
import { provisioningDb } from "./db";
import { assignTenantName, onEnvironmentReady } from "./finalize";
import { tryLockEnvironment, type EnvironmentLock } from "./lock";
import { diagnoseKey, isKeyFailure } from "./key-diagnosis";
import { isStepKey, type StepKey } from "./names";
import { provisionObjectStorage, verifyObjectStorage } from "./object-storage";

export { RunAbandoned, type ProvisioningHooks, type ProvisioningTimings } from "./context";

/**
 * - succeeded / failed: this call ran the attempt to its end.
 * - busy: another live run holds the environment's lock (it will finish the attempt).
 * - not-runnable: the attempt is finished already, or does not exist.
 */
export type RunOutcome = "succeeded" | "failed" | "busy" | "not-runnable";

export interface RunProvisioningOptions {
  timings?: Partial<ProvisioningTimings>;
  /** The pg-boss job running this, recorded on the attempt. */
  jobId?: string;
  /** Aborted when the worker shuts down: the run stops at the next call or pause and resumes on the next start. */
  signal?: AbortSignal;
}

/** AWS messages are short; this only guards the column against something unexpected. */
const MAX_MESSAGE_LENGTH = 4000;

const INTERNAL_ERROR_MESSAGE =
  "An unexpected error on the platform's side stopped this step. Retry provisioning; if it happens again, contact support.";

type StepRow = ProvisioningStep;

function outputObject(output: Prisma.JsonValue): Prisma.InputJsonObject {
  return output !== null && typeof output === "object" && !Array.isArray(output) ? (output as Prisma.InputJsonObject) : {};
}

interface Failure {
  code: string;
  message: string;
  service: AwsServiceName | null;
  requestId: string | null;
  /** The AWS operation that failed, when an AWS call did. */
  operation: string | null;
  transient: boolean;
  /** Temporary, but the step's retry budget is spent: the environment fails now. */
  budgetSpent: boolean;
}

/**
 * Runs (or resumes) one provisioning attempt to its end. Holds the environment's advisory
 * lock throughout, so two workers never run one environment at once; finished steps are not
 * run again, an interrupted step runs again (every step is idempotent). Errors thrown by
 * hooks, a lost lock or a shutdown abandon the run as a crash would: it rejects with
 * RunAbandoned and leaves the attempt RUNNING for the next run to resume.
 */
export async function runProvisioningAttempt(
  attemptId: string,
  hooks: ProvisioningHooks = {},
  options: RunProvisioningOptions = {},
): Promise<RunOutcome> {
  const first = await provisioningDb().provisioningAttempt.findUnique({ where: { id: attemptId }, select: { environmentId: true, status: true } });
  if (!first || (first.status !== "QUEUED" && first.status !== "RUNNING")) return "not-runnable";
  const lock = await tryLockEnvironment(env().databaseUrl, first.environmentId);
  if (!lock) return "busy";
  try {
    return await runLocked(attemptId, lock, hooks, options);
  } finally {
    await lock.release();
  }
}

/** Which process ran an attempt, in its audit events (several portal processes share the work). */
export const WORKER_IDENTITY = `${hostname()}:${process.pid}`;

async function runLocked(attemptId: string, lock: EnvironmentLock, hooks: ProvisioningHooks, options: RunProvisioningOptions): Promise<RunOutcome> {
  // Read again under the lock: a run that held it a moment ago may have finished the attempt.
  const attempt = await provisioningDb().provisioningAttempt.findUnique({
    where: { id: attemptId },
    include: {
      steps: { orderBy: { position: "asc" } },
      environment: { include: { organization: { select: { slug: true, externalId: true } } } },
    },
  });
  if (!attempt || (attempt.status !== "QUEUED" && attempt.status !== "RUNNING")) return "not-runnable";
  const row = attempt.environment;
  if (row.status !== "PROVISIONING") {
    console.error(`[provisioning] attempt ${attemptId} is open but environment ${row.id} is ${row.status}; not running it.`);
    return "not-runnable";
  }
  const environment: ProvisioningEnvironment = {
    id: row.id,
    organizationId: row.organizationId,
    organizationSlug: row.organization.slug,
    region: row.region,
    encryptionMode: row.encryptionMode,
    s3KeyArn: row.s3KeyArn,
    rdsKeyArn: row.rdsKeyArn,
    tenantName: row.tenantName,
    keyAccess: row.keyAccess,
    roleArn: row.roleArn,
    externalId: row.organization.externalId,
    logGroupArn: row.logGroupArn,
  };
  const checkAlive = async () => {
    if (options.signal?.aborted) throw new RunAbandoned("shutdown");
    if (!(await lock.verify())) throw new RunAbandoned("lock-lost");
  };

  await checkAlive();
  await provisioningDb().$transaction(async (tx) => {
    const resumed = attempt.status === "RUNNING";
    await tx.provisioningAttempt.update({
      where: { id: attempt.id },
      data: { status: "RUNNING", startedAt: attempt.startedAt ?? new Date(), ...(options.jobId ? { jobId: options.jobId } : {}) },
    });
    await recordAudit(tx, {
      organizationId: environment.organizationId,
      environmentId: environment.id,
      actor: { type: "platform" },
      action: resumed ? "provisioning.attempt.resumed" : "provisioning.attempt.started",
      details: { attemptId: attempt.id, number: attempt.number, trigger: attempt.trigger, jobId: options.jobId ?? null, worker: WORKER_IDENTITY },
    });
  });

  const runner = new StepRunner(attempt.id, environment, resolveTimings(options.timings), hooks, checkAlive, options.signal);
  for (const step of attempt.steps) {
    if (!isStepKey(step.key)) throw new Error(`Unknown provisioning step ${step.key} in attempt ${attempt.id}.`);
    // A step recorded as done before this run began (by a run that crashed, or reused from
    // an earlier attempt) is checked against AWS first: its resources may have gone since.
    if (step.status === "SUCCEEDED" || step.status === "SKIPPED") {
      if (step.key === "finalize" || (await runner.stillHolds(step, step.key))) continue;
    }
    const result = await runner.run(step, step.key);
    if (result === "failed") return "failed";
  }
  return "succeeded";
}

class StepRunner {
  constructor(
    private readonly attemptId: string,
    private readonly environment: ProvisioningEnvironment,
    private readonly timings: ProvisioningTimings,
    private readonly hooks: ProvisioningHooks,
    private readonly checkAlive: () => Promise<void>,
    private readonly signal: AbortSignal | undefined,
  ) {}

  private context(step: StepRow, key: StepKey): StepContext {
    const retries = new StepRetries(step.id, key, this.attemptId, this.environment, this.timings, this.hooks, this.checkAlive, this.signal, step);
    return new StepContext(
      key,
      this.attemptId,
      this.environment,
      env().resourcePrefix,
      env().partition,
      environmentAwsClients(this.environment.region, this.environment.id),
      this.timings,
      this.hooks,
      retries,
      this.checkAlive,
      this.signal,
    );
  }

  /**
   * True when what the step recorded is still there as recorded. Otherwise the step is
   * reopened (the caller runs it again, idempotently) and the finding is audited. A failure
   * to check (AWS refusing the read) also reopens it: running the step reports the real error.
   */
  async stillHolds(step: StepRow, key: Exclude<StepKey, "finalize">): Promise<boolean> {
    const ctx = this.context(step, key);
    let finding: { verdict: "ok" | "repair"; reason: string };
    try {
      finding = key === "object-storage" ? await verifyObjectStorage(ctx, step.output) : await verifyDatabase(ctx);
    } catch (error) {
      if (error instanceof RunAbandoned) throw error;
      finding = { verdict: "repair", reason: error instanceof AwsCallError ? `the check failed (${error.info.code})` : "the check failed" };
    }
    await this.audit(provisioningDb(), finding.verdict === "ok" ? "provisioning.step.verified" : "provisioning.step.repairing", {
      attemptId: this.attemptId,
      step: key,
      reason: finding.reason,
    });
    return finding.verdict === "ok";
  }

  async run(step: StepRow, key: StepKey): Promise<"succeeded" | "failed"> {
    const startedAt = step.startedAt ?? new Date();
    let tries = step.tries;
    const ctx = this.context(step, key);
    for (;;) {
      await this.checkAlive();
      tries += 1;
      await provisioningDb().provisioningStep.update({
        where: { id: step.id },
        data: { status: "RUNNING", tries, startedAt, finishedAt: null, errorCode: null, errorMessage: null, awsRequestId: null, awsService: null },
      });
      let failure: Failure;
      try {
        if (key === "finalize") {
          await this.finalize(step, tries);
        } else {
          const output = key === "object-storage" ? await provisionObjectStorage(ctx) : await provisionDatabase(ctx);
          await this.succeed(step, key, tries, output, ctx);
        }
        await runHook(() => this.hooks.afterStep?.({ stepKey: key, status: "SUCCEEDED" }));
        return "succeeded";
      } catch (error) {
        if (error instanceof RunAbandoned) throw error;
        failure = failureOf(error, ctx, this.attemptId, key);
      }
      // Calls retry their own temporary failures; what reaches here temporary is a step-level
      // one (a cluster slow to come up) and shares the same budget.
      if (failure.transient && !failure.budgetSpent) {
        const again = await ctx.retries.waitBeforeRetry({
          operation: failure.operation ?? key,
          service: failure.service,
          code: failure.code,
          message: failure.message,
          requestId: failure.requestId,
        });
        if (again) continue;
      }
      await this.fail(step, key, tries, failure);
      await runHook(() => this.hooks.afterStep?.({ stepKey: key, status: "FAILED" }));
      return "failed";
    }
  }

  private async succeed(step: StepRow, key: StepKey, tries: number, output: Prisma.InputJsonValue, ctx: StepContext): Promise<void> {
    await this.checkAlive();
    await provisioningDb().$transaction(async (tx) => {
      await tx.provisioningStep.update({
        where: { id: step.id },
        data: {
          status: "SUCCEEDED",
          finishedAt: new Date(),
          output,
          retryAt: null,
          awsRequestId: ctx.lastCall?.requestId ?? null,
          awsService: ctx.lastCall?.service ?? null,
        },
      });
      await this.audit(tx, "provisioning.step.succeeded", { attemptId: this.attemptId, step: key, tries });
    });
  }

  private async finalize(step: StepRow, tries: number): Promise<void> {
    const tenantName = await assignTenantName(this.environment);
    await this.checkAlive();
    await provisioningDb().$transaction(async (tx) => {
      const now = new Date();
      const ready = await tx.environment.updateMany({
        where: { id: this.environment.id, status: "PROVISIONING" },
        data: { status: "READY", provisionedAt: now },
      });
      if (ready.count !== 1) throw new Error(`Environment ${this.environment.id} left PROVISIONING while its attempt ran.`);
      await tx.provisioningStep.update({ where: { id: step.id }, data: { status: "SUCCEEDED", finishedAt: now, retryAt: null, output: { tenantName } } });
      await tx.provisioningAttempt.update({ where: { id: this.attemptId }, data: { status: "SUCCEEDED", finishedAt: now } });
      await onEnvironmentReady(tx, this.environment);
      await this.audit(tx, "provisioning.step.succeeded", { attemptId: this.attemptId, step: "finalize", tries });
      await this.audit(tx, "environment.ready", { attemptId: this.attemptId, tenantName });
    });
  }

  private async fail(step: StepRow, key: StepKey, tries: number, failure: Failure): Promise<void> {
    // Which state the customer's key is in decides the fix (lib/provisioning/key-diagnosis.ts).
    const keyKind = key === "database" ? "rds" : "s3";
    const diagnosis =
      key !== "finalize" && this.environment.encryptionMode === "CUSTOMER_MANAGED" && isKeyFailure(failure.code)
        ? await diagnoseKey(this.environment, keyKind, keyKind === "rds" ? this.environment.rdsKeyArn : this.environment.s3KeyArn, this.environment.keyAccess === "ROLE" ? roleKmsFor(this.environment, CHECK_PATIENCE) : undefined)
        : null;
    await this.checkAlive();
    await provisioningDb().$transaction(async (tx) => {
      const now = new Date();
      await tx.provisioningStep.update({
        where: { id: step.id },
        data: {
          status: "FAILED",
          finishedAt: now,
          retryAt: null,
          ...(diagnosis ? { output: { ...outputObject(step.output), keyDiagnosis: { ...diagnosis } } } : {}),
          errorCode: failure.code,
          errorMessage: failure.message,
          awsRequestId: failure.requestId,
          awsService: failure.service,
        },
      });
      await tx.provisioningAttempt.update({ where: { id: this.attemptId }, data: { status: "FAILED", finishedAt: now } });
      await tx.environment.updateMany({ where: { id: this.environment.id, status: "PROVISIONING" }, data: { status: "FAILED" } });
      await this.audit(tx, "provisioning.step.failed", { attemptId: this.attemptId, step: key, tries, ...failureDetails(failure) });
    });
  }

  private audit(tx: Prisma.TransactionClient, action: string, details: Prisma.InputJsonObject): Promise<void> {
    return recordAudit(tx, {
      organizationId: this.environment.organizationId,
      environmentId: this.environment.id,
      actor: { type: "platform" },
      action,
      details,
    });
  }
}

function failureDetails(failure: Failure): Prisma.InputJsonObject {
  return { service: failure.service, errorCode: failure.code, errorMessage: failure.message, requestId: failure.requestId, budgetSpent: failure.budgetSpent };
}

function failureOf(error: unknown, ctx: StepContext, attemptId: string, key: StepKey): Failure {
  if (error instanceof AwsCallError) {
    const transient = isTransientAwsError(error.info);
    return {
      code: error.info.code,
      message: error.info.message.slice(0, MAX_MESSAGE_LENGTH),
      service: error.info.service,
      requestId: error.info.requestId,
      operation: error.operation,
      transient,
      // A call gives a temporary failure back only once the step's retry budget is spent.
      budgetSpent: transient,
    };
  }
  if (error instanceof StepFailure) {
    return { code: error.code, message: error.customerMessage, service: error.awsService, requestId: error.requestId, operation: null, transient: error.transient, budgetSpent: false };
  }
  // A bug or an unexpected state: the detail goes to the server log, never to the customer.
  console.error(`[provisioning] attempt ${attemptId}, step ${key}:`, error);
  return { code: "InternalError", message: INTERNAL_ERROR_MESSAGE, service: ctx.lastCall?.service ?? null, requestId: null, operation: null, transient: false, budgetSpent: false };
}
