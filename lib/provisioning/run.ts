import type { Prisma, ProvisioningStep } from "@/generated/prisma/client";
import { recordAudit } from "@/lib/audit/record";
import { awsClients } from "@/lib/aws/clients";
import { AwsCallError, isTransientAwsError, type AwsServiceName } from "@/lib/aws/errors";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import {
  RunAbandoned,
  StepContext,
  StepFailure,
  pause,
  resolveTimings,
  runHook,
  type ProvisioningEnvironment,
  type ProvisioningHooks,
  type ProvisioningTimings,
} from "./context";
import { provisionDatabase } from "./database";
import { assignTenantName } from "./finalize";
import { tryLockEnvironment, type EnvironmentLock } from "./lock";
import { isStepKey, type StepKey } from "./names";
import { provisionObjectStorage } from "./object-storage";

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

interface Failure {
  code: string;
  message: string;
  service: AwsServiceName | null;
  requestId: string | null;
  transient: boolean;
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
  const first = await db().provisioningAttempt.findUnique({ where: { id: attemptId }, select: { environmentId: true, status: true } });
  if (!first || (first.status !== "QUEUED" && first.status !== "RUNNING")) return "not-runnable";
  const lock = await tryLockEnvironment(env().databaseUrl, first.environmentId);
  if (!lock) return "busy";
  try {
    return await runLocked(attemptId, lock, hooks, options);
  } finally {
    await lock.release();
  }
}

async function runLocked(attemptId: string, lock: EnvironmentLock, hooks: ProvisioningHooks, options: RunProvisioningOptions): Promise<RunOutcome> {
  // Read again under the lock: a run that held it a moment ago may have finished the attempt.
  const attempt = await db().provisioningAttempt.findUnique({
    where: { id: attemptId },
    include: {
      steps: { orderBy: { position: "asc" } },
      environment: { include: { organization: { select: { slug: true } } } },
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
  };
  const checkAlive = async () => {
    if (options.signal?.aborted) throw new RunAbandoned("shutdown");
    if (!(await lock.verify())) throw new RunAbandoned("lock-lost");
  };

  await checkAlive();
  await db().$transaction(async (tx) => {
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
      details: { attemptId: attempt.id, number: attempt.number, trigger: attempt.trigger, jobId: options.jobId ?? null },
    });
  });

  const runner = new StepRunner(attempt.id, environment, resolveTimings(options.timings), hooks, checkAlive, options.signal);
  for (const step of attempt.steps) {
    if (step.status === "SUCCEEDED" || step.status === "SKIPPED") continue;
    if (!isStepKey(step.key)) throw new Error(`Unknown provisioning step ${step.key} in attempt ${attempt.id}.`);
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

  async run(step: StepRow, key: StepKey): Promise<"succeeded" | "failed"> {
    const startedAt = step.startedAt ?? new Date();
    let tries = step.tries;
    for (;;) {
      await this.checkAlive();
      tries += 1;
      await db().provisioningStep.update({
        where: { id: step.id },
        data: { status: "RUNNING", tries, startedAt, finishedAt: null, errorCode: null, errorMessage: null, awsRequestId: null, awsService: null },
      });
      const ctx = new StepContext(
        key,
        this.attemptId,
        this.environment,
        env().resourcePrefix,
        awsClients(this.environment.region),
        this.timings,
        this.hooks,
        this.checkAlive,
        this.signal,
      );
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
      if (failure.transient && tries < this.timings.maxStepTries) {
        await recordAudit(db(), {
          organizationId: this.environment.organizationId,
          environmentId: this.environment.id,
          actor: { type: "platform" },
          action: "provisioning.step.retrying",
          details: { attemptId: this.attemptId, step: key, tries, ...failureDetails(failure) },
        });
        await pause(this.timings.stepRetryDelayMs * 2 ** (tries - 1), this.signal);
        continue;
      }
      await this.fail(step, key, tries, failure);
      await runHook(() => this.hooks.afterStep?.({ stepKey: key, status: "FAILED" }));
      return "failed";
    }
  }

  private async succeed(step: StepRow, key: StepKey, tries: number, output: Prisma.InputJsonValue, ctx: StepContext): Promise<void> {
    await this.checkAlive();
    await db().$transaction(async (tx) => {
      await tx.provisioningStep.update({
        where: { id: step.id },
        data: {
          status: "SUCCEEDED",
          finishedAt: new Date(),
          output,
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
    await db().$transaction(async (tx) => {
      const now = new Date();
      const ready = await tx.environment.updateMany({
        where: { id: this.environment.id, status: "PROVISIONING" },
        data: { status: "READY", provisionedAt: now },
      });
      if (ready.count !== 1) throw new Error(`Environment ${this.environment.id} left PROVISIONING while its attempt ran.`);
      await tx.provisioningStep.update({ where: { id: step.id }, data: { status: "SUCCEEDED", finishedAt: now, output: { tenantName } } });
      await tx.provisioningAttempt.update({ where: { id: this.attemptId }, data: { status: "SUCCEEDED", finishedAt: now } });
      await this.audit(tx, "provisioning.step.succeeded", { attemptId: this.attemptId, step: "finalize", tries });
      await this.audit(tx, "environment.ready", { attemptId: this.attemptId, tenantName });
    });
  }

  private async fail(step: StepRow, key: StepKey, tries: number, failure: Failure): Promise<void> {
    await this.checkAlive();
    await db().$transaction(async (tx) => {
      const now = new Date();
      await tx.provisioningStep.update({
        where: { id: step.id },
        data: {
          status: "FAILED",
          finishedAt: now,
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
  return { service: failure.service, errorCode: failure.code, errorMessage: failure.message, requestId: failure.requestId };
}

function failureOf(error: unknown, ctx: StepContext, attemptId: string, key: StepKey): Failure {
  if (error instanceof AwsCallError) {
    return {
      code: error.info.code,
      message: error.info.message.slice(0, MAX_MESSAGE_LENGTH),
      service: error.info.service,
      requestId: error.info.requestId,
      transient: isTransientAwsError(error.info),
    };
  }
  if (error instanceof StepFailure) {
    return { code: error.code, message: error.customerMessage, service: error.awsService, requestId: error.requestId, transient: error.transient };
  }
  // A bug or an unexpected state: the detail goes to the server log, never to the customer.
  console.error(`[provisioning] attempt ${attemptId}, step ${key}:`, error);
  return { code: "InternalError", message: INTERNAL_ERROR_MESSAGE, service: ctx.lastCall?.service ?? null, requestId: null, transient: false };
}
