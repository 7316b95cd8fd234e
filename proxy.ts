import { getSessionCookie } from "better-auth/cookies";
import { NextResponse, type NextRequest } from "next/server";
import { ERROR_TABLE } from "@/lib/errors";

/**
 * A fast first gate: requests without a session cookie go to sign-in (pages) or get a
 * 401 (API). Pages and services still verify the session itself on every request.
 */
export function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  if (getSessionCookie(request)) return NextResponse.next();
  if (pathname.startsWith("/api/")) {
    const { status, message } = ERROR_TABLE.UNAUTHENTICATED;
    return NextResponse.json({ error: message }, { status, headers: { "Cache-Control": "no-store" } });
  }
  const signIn = new URL("/sign-in", request.url);
  if (pathname !== "/") signIn.searchParams.set("next", `${pathname}${search}`);
  return NextResponse.redirect(signIn);
}

export const config = {
  // Everything except sign-in, the auth and health endpoints, and static assets.
  matcher: ["/((?!sign-in|api/auth|api/health|_next/static|_next/image|favicon.ico|robots.txt).*)"],
};
