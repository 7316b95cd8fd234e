import { getSessionCookie } from "better-auth/cookies";
import { NextResponse, type NextRequest } from "next/server";
import { ERROR_TABLE } from "@/lib/errors";
import { actionBodyProblem } from "@/lib/security/action-body";
import { contentSecurityPolicy, MAX_BODY_BYTES, securityHeaders } from "@/lib/security/headers";

/**
 * The first gate every request passes:
 * - a per-request CSP nonce (Next reads it from the request's CSP header and puts it on its
 *   own scripts) and the security headers on every answer;
 * - bodies over 1 MB get a 413 before anything reads them, and server-action bodies that no
 *   portal client could have sent a 400 (Next would fail decoding them with a 500);
 * - requests without a session cookie go to sign-in (pages) or get a 401 (API). Pages and
 *   services still verify the session itself on every request.
 */

/** Reachable without a session. */
const publicPaths = [/^\/sign-in(\/|$)/, /^\/api\/auth(\/|$)/, /^\/api\/health$/];

function plainRefusal(status: number, error: string): NextResponse {
  return NextResponse.json({ error }, { status, headers: { "Cache-Control": "no-store" } });
}

function withSecurityHeaders(response: NextResponse, csp: string): NextResponse {
  response.headers.set("Content-Security-Policy", csp);
  for (const [name, value] of Object.entries(securityHeaders(process.env.BETTER_AUTH_URL))) response.headers.set(name, value);
  return response;
}

function tooLarge(request: NextRequest): NextResponse | null {
  if (request.method === "GET" || request.method === "HEAD") return null;
  const length = request.headers.get("content-length");
  if (length !== null) {
    return /^\d+$/.test(length) && Number(length) <= MAX_BODY_BYTES ? null : plainRefusal(413, "The request is larger than 1 MB.");
  }
  // Without a length the size is unknown until read: browsers always send one.
  return request.headers.has("transfer-encoding") ? plainRefusal(411, "The request must state its length (Content-Length).") : null;
}

/** Next decodes each path segment for its route params; a malformed escape ("%uD800", "%E0%A4%A") would fail there with a 500. */
function decodablePath(pathname: string): boolean {
  try {
    decodeURIComponent(pathname);
    return true;
  } catch {
    return false;
  }
}

export async function proxy(request: NextRequest) {
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  const csp = contentSecurityPolicy(nonce, { development: process.env.NODE_ENV === "development", https: process.env.BETTER_AUTH_URL?.startsWith("https://") ?? false });

  const refusal = tooLarge(request);
  if (refusal) return withSecurityHeaders(refusal, csp);
  if (!decodablePath(request.nextUrl.pathname)) return withSecurityHeaders(plainRefusal(400, "The address is malformed."), csp);
  if (request.method === "POST" && request.headers.has("next-action") && (await actionBodyProblem(request))) {
    return withSecurityHeaders(plainRefusal(400, "The request could not be read. Reload the page and try again."), csp);
  }

  const { pathname, search } = request.nextUrl;
  if (!publicPaths.some((path) => path.test(pathname)) && !getSessionCookie(request)) {
    if (pathname.startsWith("/api/")) {
      const { status, message } = ERROR_TABLE.UNAUTHENTICATED;
      return withSecurityHeaders(plainRefusal(status, message), csp);
    }
    const signIn = new URL("/sign-in", request.url);
    if (pathname !== "/") signIn.searchParams.set("next", `${pathname}${search}`);
    return withSecurityHeaders(NextResponse.redirect(signIn), csp);
  }

  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("Content-Security-Policy", csp);
  return withSecurityHeaders(NextResponse.next({ request: { headers: requestHeaders } }), csp);
}

export const config = {
  // Everything but Next's static assets (immutable files, no nonce to give them).
  matcher: ["/((?!_next/static|_next/image|favicon.ico|robots.txt).*)"],
};
