import "server-only";
import { recordAudit, recordCustomerAction, type AuditActor } from "@/lib/audit/record";
import type { CustomerCaller } from "@/lib/auth/caller";
import { keyArnsSchema } from "@/lib/byok/arns";
import { roleKeySchema } from "@/lib/byok/role-arns";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { queueProvisioningAttempt } from "@/lib/provisioning/queue";
import { keyArnContext, withLockedEnvironment } from "./draft";
import { getEnvironment } from "./get-environment";
import { firstIncompleteStep, type EnvironmentRef } from "./schemas";

/**
 * "Create environment": DRAFT → PROVISIONING and one provisioning attempt, atomically.
 * A second click, a second tab or a retried request finds the draft already submitted and
 * gets the same environment back: the conditional update lets exactly one caller through.
 */
export async function submitEnvironment(caller: CustomerCaller, input: EnvironmentRef): Promise<{ environmentId: string; alreadySubmitted: boolean }> {
  // The draft is locked while it is checked, claimed and audited: a wizard edit running at the
  // same moment (which takes the same lock) lands wholly before or is refused after.
  return withLockedEnvironment(caller, input, async (tx, draft) => {
    if (draft.status !== "DRAFT") return { environmentId: draft.id, alreadySubmitted: true };
    if (firstIncompleteStep(draft) !== "review") {
      throw new AppError("VALIDATION", "Some wizard steps are not complete yet; finish them before creating the environment.");
    }
    if (draft.encryptionMode === "CUSTOMER_MANAGED") {
      // The server re-checks what it stored, against today's configuration.
      const context = keyArnContext(draft.region);
      const keys =
        draft.keyAccess === "ROLE"
          ? roleKeySchema(context).safeParse({ roleArn: draft.roleArn, keyArn: draft.s3KeyArn })
          : keyArnsSchema(context).safeParse({ s3KeyArn: draft.s3KeyArn, rdsKeyArn: draft.rdsKeyArn });
      if (!keys.success) {
        throw new AppError("VALIDATION", "The key ARNs need attention: go back to “Provide your key ARNs”.");
      }
    }
    await tx.environment.update({ where: { id: draft.id }, data: { status: "PROVISIONING" } });
    await recordCustomerAction(tx, caller, { environmentId: draft.id, action: "environment.submitted", details: { encryptionMode: draft.encryptionMode, region: draft.region, s3KeyArn: draft.s3KeyArn, rdsKeyArn: draft.rdsKeyArn, ...(draft.keyAccess === "ROLE" ? { keyAccess: "ROLE", roleArn: draft.roleArn } : {}) } });
    await queueProvisioningAttempt(tx, { environmentId: draft.id, trigger: "create", requestedById: caller.userId });
    return { environmentId: draft.id, alreadySubmitted: false };
  });
}

/** "Retry provisioning" after a failure, once the customer has fixed the key. */
export async function retryProvisioning(caller: CustomerCaller, input: EnvironmentRef): Promise<{ environmentId: string; retried: boolean }> {
  const environment = await getEnvironment(caller, input);
  const { retried } = await requeueFailedEnvironment({
    environmentId: environment.id,
    organizationId: environment.organizationId,
    actor: { type: "user", userId: caller.userId },
    ipAddress: caller.ipAddress,
  });
  return { environmentId: environment.id, retried };
}

/**
 * FAILED → PROVISIONING with a new attempt that resumes from the failed step. Only one of
 * several concurrent retries gets through. Callers authorise first (customer or support).
 */
export async function requeueFailedEnvironment(options: {
  environmentId: string;
  organizationId: string;
  actor: Extract<AuditActor, { userId: string }>;
  ipAddress: string | null;
}): Promise<{ retried: boolean }> {
  return db().$transaction(async (tx) => {
    const claimed = await tx.environment.updateMany({
      where: { id: options.environmentId, organizationId: options.organizationId, status: "FAILED" },
      data: { status: "PROVISIONING" },
    });
    if (claimed.count === 0) return { retried: false };
    await recordAudit(tx, {
      organizationId: options.organizationId,
      environmentId: options.environmentId,
      actor: options.actor,
      action: "provisioning.retry_requested",
      ipAddress: options.ipAddress,
    });
    await queueProvisioningAttempt(tx, {
      environmentId: options.environmentId,
      trigger: options.actor.type === "support" ? "support-retry" : "retry",
      requestedById: options.actor.userId,
    });
    return { retried: true };
  });
}
