import "server-only";
import { db } from "@/lib/db";

export type PlatformRole = "customer" | "support";

/**
 * Who is asking. A request resolves it once (lib/auth/request.ts); tests and scripts get one
 * for a user id with callerForUser. Every service takes it as its first argument.
 */
export interface Caller {
  userId: string;
  email: string;
  name: string;
  role: PlatformRole;
  /** The customer's organization; null for vendor support staff. */
  organizationId: string | null;
  organizationName: string | null;
  ipAddress: string | null;
}

/** A customer admin acting for their own organization: every read and write is scoped to it. */
export interface CustomerCaller extends Caller {
  role: "customer";
  organizationId: string;
  organizationName: string;
}

/** Vendor support staff: every tenant, read-only apart from retries and internal notes. */
export interface SupportCaller extends Caller {
  role: "support";
  organizationId: null;
  organizationName: null;
}

/** The caller a user id stands for, or null when there is no such user. No request needed. */
export async function callerForUser(userId: string, options: { ipAddress?: string | null } = {}): Promise<Caller | null> {
  const user = await db().user.findUnique({
    where: { id: userId },
    select: {
      id: true,
      email: true,
      name: true,
      role: true,
      members: { select: { organization: { select: { id: true, name: true } } }, take: 1, orderBy: { createdAt: "asc" } },
    },
  });
  if (!user) return null;
  // Support staff act for no organization, even if a membership row exists.
  const organization = user.role === "support" ? null : (user.members[0]?.organization ?? null);
  return {
    userId: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    organizationId: organization?.id ?? null,
    organizationName: organization?.name ?? null,
    ipAddress: options.ipAddress ?? null,
  };
}
