import { toNextJsHandler } from "better-auth/next-js";
import { auth } from "@/lib/auth/auth";

export const dynamic = "force-dynamic";

// better-auth's own endpoints (session, sign-in protocol): the library parses, authenticates
// and answers them itself, so they are the one route outside the use-case pipeline.

export async function GET(request: Request) {
  return toNextJsHandler(auth()).GET(request);
}

export async function POST(request: Request) {
  return toNextJsHandler(auth()).POST(request);
}
