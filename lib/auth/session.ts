import "server-only";
import { headers } from "next/headers";
import { cache } from "react";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { auth } from "./auth";

export type PlatformRole = "customer" | "support";

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

/** The signed-in caller, or null. Cached per request. */
export const currentCaller = cache(async (): Promise<Caller | null> => {
  const requestHeaders = await headers();
  const session = await auth().api.getSession({ headers: requestHeaders });
  if (!session) return null;
  const user = await db().user.findUnique({
    where: { id: session.user.id },
    select: { id: true, email: true, name: true, role: true, members: { select: { organization: true }, take: 1, orderBy: { createdAt: "asc" } } },
  });
  if (!user) return null;
  const organization = user.members[0]?.organization ?? null;
  const forwarded = requestHeaders.get("x-forwarded-for")?.split(",")[0]?.trim();
  return {
    userId: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    organizationId: user.role === "support" ? null : (organization?.id ?? null),
    organizationName: user.role === "support" ? null : (organization?.name ?? null),
    ipAddress: forwarded || requestHeaders.get("x-real-ip") || null,
  };
});

export async function requireCaller(): Promise<Caller> {
  const caller = await currentCaller();
  if (!caller) throw new AppError("UNAUTHENTICATED");
  return caller;
}

/**
 * The caller, who must be a member of `organizationId`. Anything else is NOT_FOUND,
 * not FORBIDDEN, so that another tenant's ids cannot be probed.
 */
export async function requireMember(organizationId: string): Promise<Caller & { organizationId: string }> {
  const caller = await requireCaller();
  if (caller.organizationId === null || caller.organizationId !== organizationId) {
    throw new AppError("NOT_FOUND");
  }
  return { ...caller, organizationId: caller.organizationId };
}

/** The caller's own organization (customer admins only). */
export async function requireOwnOrganization(): Promise<Caller & { organizationId: string }> {
  const caller = await requireCaller();
  if (caller.organizationId === null) throw new AppError("NOT_FOUND");
  return requireMember(caller.organizationId);
}

/** Vendor support staff only; everyone else gets NOT_FOUND so /support stays invisible. */
export async function requireSupport(): Promise<Caller> {
  const caller = await requireCaller();
  if (caller.role !== "support") throw new AppError("NOT_FOUND");
  return caller;
}
