import "server-only";
import { recordAudit } from "@/lib/audit/record";
import { db } from "@/lib/db";

/**
 * Audit events for signing in and out. Never the password; for a failure only its reason
 * class. Written to the audit log of the account's organization; vendor support staff and
 * unknown e-mail addresses have no organization, and audit_event requires one, so those
 * events go to the server log as one JSON line each until the audit log takes events without
 * an organization.
 */

export type SignInAction = "auth.sign-in.succeeded" | "auth.sign-in.failed" | "auth.sign-in.throttled" | "auth.signed-out";

/** Why a sign-in failed, in classes that reveal nothing of the password. */
export type SignInFailureReason = "unknown-account" | "wrong-password" | "refused";

export interface SignInEvent {
  action: SignInAction;
  /** The account, when known: by user id, or by the e-mail address that was tried. */
  userId?: string;
  email?: string;
  ipAddress: string | null;
  details?: { reason?: SignInFailureReason; retryAfterSeconds?: number };
}

async function accountOf(event: SignInEvent) {
  const where = event.userId ? { id: event.userId } : event.email ? { email: event.email.trim().toLowerCase() } : null;
  if (!where) return null;
  return db().user.findUnique({
    where,
    select: { id: true, role: true, members: { select: { organizationId: true }, take: 1, orderBy: { createdAt: "asc" } } },
  });
}

/** The user the e-mail address belongs to, if any (for the failure's reason class). */
export async function accountExists(email: string): Promise<boolean> {
  return (await db().user.count({ where: { email: email.trim().toLowerCase() } })) > 0;
}

export async function recordSignInEvent(event: SignInEvent): Promise<void> {
  const account = await accountOf(event);
  const organizationId = account && account.role !== "support" ? account.members[0]?.organizationId : undefined;
  if (account && organizationId) {
    await recordAudit(db(), {
      organizationId,
      actor: { type: "user", userId: account.id },
      action: event.action,
      ipAddress: event.ipAddress,
      details: { ...event.details },
    });
    return;
  }
  console.info(
    JSON.stringify({ audit: event.action, userId: account?.id ?? null, role: account?.role ?? null, ipAddress: event.ipAddress, ...event.details }),
  );
}
