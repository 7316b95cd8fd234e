import "server-only";
import { notFound, redirect } from "next/navigation";
import { AppError } from "@/lib/errors";
import { authorize, type Access, type CallerFor } from "./access";
import { requestCaller } from "./request";

/**
 * Loads a page's data: the request's caller (resolved once per request), authorized for the
 * access level, handed to the service. An unauthenticated caller goes to sign-in; NOT_FOUND
 * and FORBIDDEN (including another tenant's data, or a customer on a support page) render the
 * 404 page; anything else reaches the error boundary, which shows no detail.
 */
export async function forPage<A extends Access, T>(access: A, load: (caller: CallerFor<A>) => Promise<T>): Promise<T> {
  try {
    return await load(authorize(access, await requestCaller()));
  } catch (error) {
    if (error instanceof AppError && error.code === "UNAUTHENTICATED") redirect("/sign-in");
    if (error instanceof AppError && (error.code === "NOT_FOUND" || error.code === "FORBIDDEN")) notFound();
    throw error;
  }
}
