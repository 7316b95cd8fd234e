import "server-only";
import { APIError } from "better-auth/api";
import { headers } from "next/headers";
import { cache } from "react";
import { AppError } from "@/lib/errors";
import { auth } from "./auth";
import { callerForUser, type Caller } from "./caller";
import type { SignInInput } from "./sign-in";

/**
 * The one module that reads the incoming request (headers and session cookie). Everything
 * below it — services, the pipeline's core — gets the caller as an argument.
 */

function clientIpAddress(requestHeaders: Headers): string | null {
  const forwarded = requestHeaders.get("x-forwarded-for")?.split(",")[0]?.trim();
  return forwarded || requestHeaders.get("x-real-ip") || null;
}

export async function requestIpAddress(): Promise<string | null> {
  return clientIpAddress(await headers());
}

/** The signed-in caller of this request, or null. Resolved once per request (layout, page and actions share it). */
export const requestCaller = cache(async (): Promise<Caller | null> => {
  const requestHeaders = await headers();
  const session = await auth().api.getSession({ headers: requestHeaders });
  if (!session) return null;
  return callerForUser(session.user.id, { ipAddress: clientIpAddress(requestHeaders) });
});

/** Checks the password and sets the session cookie. */
export async function signInWithPassword(input: SignInInput): Promise<void> {
  try {
    await auth().api.signInEmail({ body: { email: input.email, password: input.password }, headers: await headers() });
  } catch (error) {
    // One message for unknown email and wrong password: no account enumeration.
    if (error instanceof APIError) throw new AppError("UNAUTHENTICATED", "The email or password is not correct.", { cause: error });
    throw new AppError("INTERNAL", "Signing in is not possible right now. Please try again in a minute.", { cause: error });
  }
}

/** Ends this request's session and clears its cookie; a session that is already gone is fine. */
export async function endSession(): Promise<void> {
  try {
    await auth().api.signOut({ headers: await headers() });
  } catch (error) {
    if (!(error instanceof APIError)) throw error;
  }
}
