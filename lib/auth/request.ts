import "server-only";
import { headers } from "next/headers";
import { cache } from "react";
import { AppError } from "@/lib/errors";
import { auth } from "./auth";
import { callerForUser, type Caller } from "./caller";
import type { SignInInput } from "./sign-in";
import { signInAnswer, stampedClientAddress } from "./sign-in-guard";

/**
 * The one module that reads the incoming request (headers and session cookie). Everything
 * below it — services, the pipeline's core — gets the caller as an argument.
 */

/** The client's address as the server decided it from the socket and TRUSTED_PROXIES (never the client's own X-Forwarded-For). */
export async function requestIpAddress(): Promise<string | null> {
  return stampedClientAddress(await headers());
}

/** The signed-in caller of this request, or null. Resolved once per request (layout, page and actions share it). */
export const requestCaller = cache(async (): Promise<Caller | null> => {
  const requestHeaders = await headers();
  const session = await auth().api.getSession({ headers: requestHeaders });
  if (!session) return null;
  return callerForUser(session.user.id, { ipAddress: stampedClientAddress(requestHeaders) });
});

/**
 * Checks the password and sets the session cookie. The sign-in guard (a better-auth plugin)
 * throttles and audits the attempt; its answer is told apart by HTTP status, never by
 * `instanceof APIError` (which fails when a bundler made two copies of better-auth).
 */
export async function signInWithPassword(input: SignInInput): Promise<void> {
  const requestHeaders = await headers();
  const answer = await signInAnswer(() => auth().api.signInEmail({ body: { email: input.email, password: input.password }, headers: requestHeaders, asResponse: true }));
  if (answer.status === 200) return;
  // One message for unknown email and wrong password: no account enumeration.
  if (answer.status === 401) throw new AppError("UNAUTHENTICATED", "The email or password is not correct.");
  if (answer.status === 429) throw new AppError("RATE_LIMITED", answer.message);
  if (answer.status === 400) throw new AppError("VALIDATION", answer.message);
  throw new AppError("INTERNAL", "Signing in is not possible right now. Please try again in a minute.", { cause: answer.error });
}

/** Ends this request's session and clears its cookie; a session that is already gone is fine. */
export async function endSession(): Promise<void> {
  const response = await auth().api.signOut({ headers: await headers(), asResponse: true });
  if (!response.ok && response.status >= 500) throw new Error(`sign-out answered ${response.status}`);
}
