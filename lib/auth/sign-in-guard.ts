import "server-only";
import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware, getSessionFromCtx, isAPIError } from "better-auth/api";
import { db } from "@/lib/db";
import { controlCharacterProblems } from "@/lib/security/input-rules";
import { CLIENT_ADDRESS_HEADER } from "@/lib/security/client-address";
import { clientAddressStampInstalled } from "@/lib/security/client-address-stamp";
import { accountExists, recordSignInEvent } from "./sign-in-audit";
import { signInSchema } from "./sign-in";
import { createSignInThrottle, throttledMessage, type SignInThrottle } from "./sign-in-throttle";

/**
 * A better-auth plugin that every sign-in and sign-out passes through, whether it comes from
 * the portal's form (auth.api.signInEmail) or over HTTP (/api/auth/sign-in/email):
 * - only the endpoints the product uses answer over HTTP; every other one is a 404;
 * - a sign-in is validated, throttled per account and per client address (PostgreSQL, shared
 *   by all processes) and audited, succeeded, failed (with the reason class) or throttled;
 * - a sign-out is audited.
 */

/** The HTTP endpoints the product uses (the portal itself calls them server-side through auth.api). */
export const HTTP_AUTH_ENDPOINTS: ReadonlySet<string> = new Set(["POST /sign-in/email", "POST /sign-out", "GET /get-session"]);

const holder = globalThis as unknown as { __portalSignInThrottle?: SignInThrottle };

export function signInThrottle(): SignInThrottle {
  holder.__portalSignInThrottle ??= createSignInThrottle(db);
  return holder.__portalSignInThrottle;
}

/** Tests swap in a throttle with their own clock (null restores the real one). */
export function setSignInThrottle(throttle: SignInThrottle | null): void {
  holder.__portalSignInThrottle = throttle ?? undefined;
}

let warnedUnstamped = false;

/** The client address the server stamped on the request (see lib/security/client-address-stamp.ts). */
export function stampedClientAddress(headers: Headers | undefined): string | null {
  if (!clientAddressStampInstalled()) {
    // A header nobody stamped could be the client's own: better no address than a forged one.
    if (!warnedUnstamped) console.error("Client addresses are unknown: the server did not install its client-address stamp (instrumentation.ts).");
    warnedUnstamped = true;
    return null;
  }
  const address = headers?.get(CLIENT_ADDRESS_HEADER);
  return address && address !== "unknown" ? address : null;
}

export interface SignInAnswer {
  status: number;
  /** The user message of a refusal (throttled, malformed). */
  message?: string;
  error?: unknown;
}

/**
 * The outcome of an auth.api call made with `asResponse`: better-auth answers most refusals
 * with a response but throws those of its hooks (the throttle's 429, the input's 400).
 */
export async function signInAnswer(call: () => Promise<Response>): Promise<SignInAnswer> {
  try {
    const response = await call();
    if (response.ok) return { status: response.status };
    const body: unknown = await response.json().catch(() => null);
    const message = body && typeof body === "object" && "message" in body && typeof body.message === "string" ? body.message : undefined;
    return { status: response.status, message };
  } catch (error) {
    if (isAPIError(error)) return { status: error.statusCode, message: error.body?.message, error };
    return { status: 500, error };
  }
}

/** The sign-in body as the form's schema reads it, with a 400 and the form's messages for anything else. */
function signInBody(body: unknown): { email: string; password: string } {
  const problems = controlCharacterProblems(body);
  if (problems.length) throw new APIError("BAD_REQUEST", { code: "INVALID_INPUT", message: problems[0]?.message });
  const parsed = signInSchema.safeParse(body);
  if (!parsed.success) {
    throw new APIError("BAD_REQUEST", { code: "INVALID_INPUT", message: parsed.error.issues[0]?.message ?? "Enter your email address and password." });
  }
  return parsed.data;
}

export function signInGuard() {
  return {
    id: "portal-sign-in-guard",
    async onRequest(request) {
      const path = new URL(request.url).pathname.replace(/^\/api\/auth/, "").replace(/\/+$/, "");
      if (!HTTP_AUTH_ENDPOINTS.has(`${request.method} ${path}`)) {
        return { response: Response.json({ error: "Not found." }, { status: 404, headers: { "Cache-Control": "no-store" } }) };
      }
    },
    hooks: {
      before: [
        {
          matcher: (context) => context.path === "/sign-in/email",
          handler: createAuthMiddleware(async (ctx) => {
            const { email } = signInBody(ctx.body);
            const ipAddress = stampedClientAddress(ctx.headers);
            const reservation = await signInThrottle().reserve(email, ipAddress);
            if (!reservation.allowed) {
              const retryAfterSeconds = Math.ceil(reservation.retryAfterMs / 1000);
              await recordSignInEvent({ action: "auth.sign-in.throttled", email, ipAddress, details: { retryAfterSeconds } });
              throw new APIError(
                "TOO_MANY_REQUESTS",
                { code: "TOO_MANY_ATTEMPTS", message: throttledMessage(reservation.retryAfterMs) },
                { "Retry-After": String(retryAfterSeconds) },
              );
            }
          }),
        },
        {
          matcher: (context) => context.path === "/sign-out",
          handler: createAuthMiddleware(async (ctx) => {
            const session = await getSessionFromCtx(ctx).catch(() => null);
            if (session) await recordSignInEvent({ action: "auth.signed-out", userId: session.user.id, ipAddress: stampedClientAddress(ctx.headers) });
          }),
        },
      ],
      after: [
        {
          matcher: (context) => context.path === "/sign-in/email",
          handler: createAuthMiddleware(async (ctx) => {
            const { email } = signInBody(ctx.body);
            const ipAddress = stampedClientAddress(ctx.headers);
            const signedIn = ctx.context.newSession;
            if (signedIn && !isAPIError(ctx.context.returned)) {
              await signInThrottle().succeeded(email, ipAddress);
              await recordSignInEvent({ action: "auth.sign-in.succeeded", userId: signedIn.user.id, ipAddress });
              return;
            }
            const reason = isAPIError(ctx.context.returned) && ctx.context.returned.statusCode === 401 ? ((await accountExists(email)) ? "wrong-password" : "unknown-account") : "refused";
            await recordSignInEvent({ action: "auth.sign-in.failed", email, ipAddress, details: { reason } });
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
