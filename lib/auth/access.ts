import "server-only";
import { AppError } from "@/lib/errors";
import type { Caller, CustomerCaller, SupportCaller } from "./caller";

/**
 * Who may run a use case: anyone (sign-in, health), a customer admin of an organization
 * (the service then scopes every query to caller.organizationId), or vendor support.
 */
export type Access = "public" | "customer" | "support";

export type CallerFor<A extends Access> = A extends "customer" ? CustomerCaller : A extends "support" ? SupportCaller : null;

/**
 * A customer admin with an organization. Anyone else signed in gets NOT_FOUND, not
 * FORBIDDEN, so that another tenant's ids (or the customer screens) cannot be probed.
 */
export function asCustomer(caller: Caller | null): CustomerCaller {
  if (!caller) throw new AppError("UNAUTHENTICATED");
  if (caller.role !== "customer" || caller.organizationId === null || caller.organizationName === null) {
    throw new AppError("NOT_FOUND");
  }
  return { ...caller, role: "customer", organizationId: caller.organizationId, organizationName: caller.organizationName };
}

/** Vendor support staff only; everyone else gets NOT_FOUND so /support stays invisible. */
export function asSupport(caller: Caller | null): SupportCaller {
  if (!caller) throw new AppError("UNAUTHENTICATED");
  if (caller.role !== "support") throw new AppError("NOT_FOUND");
  return { ...caller, role: "support", organizationId: null, organizationName: null };
}

/** Narrows a resolved caller to what the access level requires, or throws. */
export function authorize<A extends Access>(access: A, caller: Caller | null): CallerFor<A> {
  if (access === "customer") return asCustomer(caller) as CallerFor<A>;
  if (access === "support") return asSupport(caller) as CallerFor<A>;
  return null as CallerFor<A>;
}
