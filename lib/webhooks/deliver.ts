import "server-only";
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signatureHeader } from "./sign";

/** One try of one delivery: a signed POST of the stored payload, no redirects, a hard timeout. */

export const DELIVERY_TIMEOUT_MS = 10_000;
/** Kept short: the delivery log shows it, and nothing of a stack or a response body belongs there. */
const MAX_ERROR_LENGTH = 200;

export interface DeliveryRequest {
  deliveryId: string;
  event: string;
  url: string;
  secret: string;
  /** The exact bytes sent and signed. */
  body: string;
  /** When the try is made (the signature's timestamp). */
  now: Date;
  timeoutMs?: number;
}

export type DeliveryOutcome = { ok: true; statusCode: number } | { ok: false; statusCode: number | null; error: string };

function short(text: string): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > MAX_ERROR_LENGTH ? `${oneLine.slice(0, MAX_ERROR_LENGTH - 1)}…` : oneLine;
}

/** What went wrong with a request that got no answer, in a few words (the cause's code when Node gives one). */
function networkError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `No answer within ${timeoutMs / 1000} s.`;
  }
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === "string" ? cause.code : undefined;
  switch (code) {
    case "ECONNREFUSED":
      return "Connection refused.";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "The host name could not be resolved.";
    case "ECONNRESET":
      return "The connection was reset.";
    default:
      if (code?.startsWith("ERR_TLS") || code?.includes("CERT")) return `TLS failed (${code}).`;
      return short(code ? `Request failed (${code}).` : "Request failed.");
  }
}

export async function sendDelivery(request: DeliveryRequest): Promise<DeliveryOutcome> {
  const timeoutMs = request.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  const timestamp = Math.floor(request.now.getTime() / 1000);
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: "POST",
      // A redirect could point anywhere (an internal address the URL rules refused): never followed.
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        "Content-Type": "application/json",
        "User-Agent": "byok-portal-webhooks/1",
        [SIGNATURE_HEADER]: signatureHeader(request.secret, request.body, timestamp),
        [EVENT_HEADER]: request.event,
        [DELIVERY_HEADER]: request.deliveryId,
      },
      body: request.body,
    });
  } catch (error) {
    return { ok: false, statusCode: null, error: networkError(error, timeoutMs) };
  }
  // The body is not read: nothing in it matters, and a large one must not hold the worker.
  await response.body?.cancel().catch(() => undefined);
  const statusCode = response.status;
  if (statusCode >= 200 && statusCode < 300) return { ok: true, statusCode };
  if (statusCode >= 300 && statusCode < 400) return { ok: false, statusCode, error: `Redirect (HTTP ${statusCode}) not followed: use the final URL.` };
  return { ok: false, statusCode, error: `HTTP ${statusCode}${response.statusText ? ` ${short(response.statusText)}` : ""}` };
}
