import "server-only";
import { recordCustomerAction } from "@/lib/audit/record";
import type { CustomerCaller } from "@/lib/auth/caller";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { PROVISIONING_CHANNEL } from "@/lib/provisioning/queue";
import { getEnvironment } from "./get-environment";
import type { EnvironmentRef } from "./schemas";

/**
 * Delete (F3): a draft or a failed environment leaves every customer page. Its row and audit
 * trail stay (the audit log is append-only and names it; support still sees it, marked
 * deleted). What provisioning made for a failed environment (its buckets, its Aurora cluster)
 * is removed by the provisioning worker (lib/provisioning/cleanup.ts), durably and
 * idempotently: the row's cleanupStatus is the record of what is left to do.
 */

export const NOT_DELETABLE_MESSAGE = "Only a draft or an environment whose provisioning failed can be deleted.";

export interface EnvironmentDeleted {
  environmentId: string;
  name: string;
  /** True when the platform has resources of the environment to remove. */
  cleanup: boolean;
}

export async function deleteEnvironment(caller: CustomerCaller, input: EnvironmentRef): Promise<EnvironmentDeleted> {
  const environment = await getEnvironment(caller, input);
  return db().$transaction(async (tx) => {
    // The row lock orders the deletion against a concurrent retry, submit or wizard edit.
    const locked = await tx.$queryRaw<Array<{ status: string; deletedAt: Date | null }>>`
      SELECT status::text AS status, "deletedAt" FROM environment
       WHERE id = ${environment.id}::uuid AND "organizationId" = ${caller.organizationId} FOR UPDATE`;
    const row = locked[0];
    if (!row || row.deletedAt) throw new AppError("NOT_FOUND");
    if (row.status !== "DRAFT" && row.status !== "FAILED") throw new AppError("CONFLICT", NOT_DELETABLE_MESSAGE);
    // A draft never reached AWS; a failed environment may have buckets or a cluster.
    const cleanup = row.status === "FAILED";
    await tx.environment.update({
      where: { id: environment.id },
      data: { deletedAt: new Date(), deletedById: caller.userId, cleanupStatus: cleanup ? "pending" : null },
    });
    // The worker listens on the provisioning channel; it starts the cleanup once this commits.
    if (cleanup) await tx.$executeRaw`SELECT pg_notify(${PROVISIONING_CHANNEL}, ${environment.id})`;
    // Last in the transaction: audit appends are serialized until commit (lib/audit).
    await recordCustomerAction(tx, caller, {
      environmentId: environment.id,
      action: "environment.deleted",
      details: { name: environment.name, status: row.status, cleanup },
    });
    return { environmentId: environment.id, name: environment.name, cleanup };
  });
}
