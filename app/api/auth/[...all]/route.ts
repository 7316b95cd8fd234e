import { toNextJsHandler } from "better-auth/next-js";
import { auth } from "@/lib/auth/auth";

export const dynamic = "force-dynamic";

// better-auth's own endpoints: the library parses, authenticates and answers them itself, so
// they are the one route outside the use-case pipeline. Only sign-in, sign-out and the session
// answer; sign-in is validated, throttled and audited exactly like the form's (both pass
// through the sign-in guard plugin, lib/auth/sign-in-guard.ts).

export async function GET(request: Request) {
  return toNextJsHandler(auth()).GET(request);
}

export async function POST(request: Request) {
  return toNextJsHandler(auth()).POST(request);
}
