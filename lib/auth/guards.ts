import "server-only";
import { notFound, redirect } from "next/navigation";
import { AppError } from "@/lib/errors";

/**
 * Runs a service call for a page: an unauthenticated caller goes to sign-in, and
 * NOT_FOUND (including another tenant's data) renders the 404 page.
 */
export async function forPage<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (error instanceof AppError && error.code === "UNAUTHENTICATED") redirect("/sign-in");
    if (error instanceof AppError && (error.code === "NOT_FOUND" || error.code === "FORBIDDEN")) notFound();
    throw error;
  }
}
