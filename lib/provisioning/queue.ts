import "server-only";
import { z } from "zod";
import type { Prisma } from "@/generated/prisma/client";
import { recordAudit, type AuditActor } from "@/lib/audit/record";
import { AppError } from "@/lib/errors";
import { hasKeyArns } from "@/lib/environments/schemas";
import { STEP_KEYS, type StepKey } from "./names";

export type ProvisioningTrigger = "create" | "retry" | "support-retry";

/**
 * NOTIFY is transactional: PostgreSQL delivers it only when the caller's transaction commits,
 * so a worker never hears of an attempt that was rolled back. The attempt row itself is the
 * durable record (the outbox); the notification only makes pick-up immediate, and the
 * worker's sweep finds any attempt whose notification nobody heard.
 */
export const PROVISIONING_CHANNEL = "byok_provisioning_queued";

/** Steps whose result a retry may reuse. Finalize always runs as part of the attempt that ends it. */
const REUSABLE_STEPS: readonly StepKey[] = ["object-storage", "database"];

export interface QueueProvisioningAttemptOptions {
  environmentId: string;
  trigger: ProvisioningTrigger;
  /** The user who asked (customer admin or support); null for the platform itself. */
  requestedById: string | null;
}

/**
 * Records a new provisioning attempt for an environment the caller has just moved to
 * PROVISIONING in the same transaction, with its steps: steps that succeeded in an earlier
 * attempt are created SKIPPED with that attempt's output, so a retry resumes at the step
 * that failed. The job runs once the transaction commits, even if this process dies then.
 */
export async function queueProvisioningAttempt(
  tx: Prisma.TransactionClient,
  options: QueueProvisioningAttemptOptions,
): Promise<{ attemptId: string; number: number }> {
  const { environmentId, trigger, requestedById } = options;
  if (!z.uuid().safeParse(environmentId).success) throw new AppError("NOT_FOUND");
  // Serialises two submits of one environment even if the caller's own update did not.
  const locked = await tx.$queryRaw<Array<{ id: string }>>`SELECT "id"::text AS id FROM "environment" WHERE "id" = ${environmentId}::uuid FOR UPDATE`;
  if (locked.length === 0) throw new AppError("NOT_FOUND");
  const environment = await tx.environment.findUniqueOrThrow({
    where: { id: environmentId },
    select: { id: true, organizationId: true, status: true, encryptionMode: true, s3KeyArn: true, rdsKeyArn: true, keyAccess: true, roleArn: true },
  });
  if (environment.status !== "PROVISIONING") {
    throw new AppError("CONFLICT", "This environment is not waiting to be provisioned; reload the page to see its current state.");
  }
  if (environment.encryptionMode === "CUSTOMER_MANAGED" && !hasKeyArns(environment)) {
    throw new AppError(
      "VALIDATION",
      environment.keyAccess === "ROLE"
        ? "The role ARN and the key ARN are needed before this environment can be provisioned."
        : "Both key ARNs are needed before a customer-managed environment can be provisioned.",
    );
  }
  const open = await tx.provisioningAttempt.findFirst({
    where: { environmentId, status: { in: ["QUEUED", "RUNNING"] } },
    select: { id: true },
  });
  if (open) throw new AppError("CONFLICT", "Provisioning of this environment is already under way.");

  const last = await tx.provisioningAttempt.findFirst({
    where: { environmentId },
    orderBy: { number: "desc" },
    select: { number: true },
  });
  const number = (last?.number ?? 0) + 1;

  const earlier = await tx.provisioningStep.findMany({
    where: { environmentId, key: { in: [...REUSABLE_STEPS] }, status: { in: ["SUCCEEDED", "SKIPPED"] } },
    orderBy: { attempt: { number: "desc" } },
    select: { key: true, output: true },
  });
  const reusable = new Map<string, Prisma.InputJsonValue>();
  for (const step of earlier) {
    if (!reusable.has(step.key) && step.output !== null) reusable.set(step.key, step.output);
  }

  const attempt = await tx.provisioningAttempt.create({
    data: { environmentId, number, trigger, requestedById, status: "QUEUED" },
    select: { id: true },
  });
  await tx.provisioningStep.createMany({
    data: STEP_KEYS.map((key, index) => {
      const output = reusable.get(key);
      return {
        attemptId: attempt.id,
        environmentId,
        key,
        position: index + 1,
        status: output === undefined ? ("PENDING" as const) : ("SKIPPED" as const),
        output: output ?? {},
      };
    }),
  });

  const actor: AuditActor =
    requestedById === null
      ? { type: "platform" }
      : trigger === "support-retry"
        ? { type: "support", userId: requestedById }
        : { type: "user", userId: requestedById };
  await recordAudit(tx, {
    organizationId: environment.organizationId,
    environmentId,
    actor,
    action: "provisioning.attempt.queued",
    details: { attemptId: attempt.id, number, trigger, reusedSteps: [...reusable.keys()] },
  });
  await tx.$executeRaw`SELECT pg_notify(${PROVISIONING_CHANNEL}, ${environmentId})`;
  return { attemptId: attempt.id, number };
}
