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

/**
 * An action a customer admin took on one of their organization's environments, recorded in the
 * caller's transaction. Call it last in the transaction: appends are serialized until commit.
 */
export function recordCustomerAction(
  writer: Writer,
  caller: { userId: string; organizationId: string; ipAddress: string | null },
  entry: { environmentId: string; action: string; details?: Prisma.InputJsonValue },
): Promise<void> {
  return recordAudit(writer, {
    organizationId: caller.organizationId,
    environmentId: entry.environmentId,
    actor: { type: "user", userId: caller.userId },
    action: entry.action,
    ipAddress: caller.ipAddress,
    ...(entry.details === undefined ? {} : { details: entry.details }),
  });
}

/** The audit entry for a download of an organization's audit log (by the customer or by support). */
export function auditLogExportEntry(options: {
  organizationId: string;
  actor: AuditActor;
  action: "organization.audit_log.exported" | "support.audit_log.exported";
  ipAddress: string | null;
  format: string;
  events: number;
}): AuditEntry {
  return {
    organizationId: options.organizationId,
    actor: options.actor,
    action: options.action,
    ipAddress: options.ipAddress,
    details: { format: options.format, events: options.events },
  };
}
