import "server-only";
import type { Prisma, PrismaClient } from "@/generated/prisma/client";

/** Who did it: a signed-in user (customer or support) or the platform itself. */
export type AuditActor =
  | { type: "user"; userId: string }
  | { type: "support"; userId: string }
  | { type: "platform" };

export interface AuditEntry {
  organizationId: string;
  environmentId?: string | null;
  actor: AuditActor;
  /** Dotted verb, e.g. "environment.draft.created", "aws.kms.call", "provisioning.step.failed". */
  action: string;
  ipAddress?: string | null;
  details?: Prisma.InputJsonValue;
}

type Writer = Pick<PrismaClient, "auditEvent"> | Prisma.TransactionClient;

/**
 * Appends one audit event. Pass the transaction of the change it records so the two
 * commit (or roll back) together; the table itself refuses updates and deletes.
 */
export async function recordAudit(writer: Writer, entry: AuditEntry): Promise<void> {
  await writer.auditEvent.create({
    data: {
      organizationId: entry.organizationId,
      environmentId: entry.environmentId ?? null,
      actorType: entry.actor.type,
      actorUserId: entry.actor.type === "platform" ? null : entry.actor.userId,
      action: entry.action,
      ipAddress: entry.ipAddress ?? null,
      details: entry.details ?? {},
    },
  });
}
