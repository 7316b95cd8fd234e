import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * How alert webhooks are signed, and how a receiver checks them. No server-only import: the
 * test receiver (and the e2e specs, which run in plain Node) verify with the same code.
 *
 *   X-Byok-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed with the secret>
 *
 * The timestamp is inside the signed text, so a captured request cannot be replayed later
 * than the tolerance with a fresh timestamp.
 */

export const SIGNATURE_HEADER = "X-Byok-Signature";
export const EVENT_HEADER = "X-Byok-Event";
export const DELIVERY_HEADER = "X-Byok-Delivery";

/** A receiver refuses a signature older (or further ahead) than this. */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

export const SECRET_PREFIX = "whsec_";

/** A new signing secret: 32 random bytes, base64url, with a recognisable prefix. */
export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString("base64url")}`;
}

function hmacHex(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex");
}

/** The X-Byok-Signature value for a body sent at `timestamp` (unix seconds). */
export function signatureHeader(secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, body)}`;
}

export type VerifyResult = { ok: true; timestamp: number } | { ok: false; reason: "malformed" | "expired" | "mismatch" };

/**
 * Checks a signature header against the raw body as received (before any JSON parsing). Any of
 * several v1 values may match (a sender rotating its secret may send two).
 */
export function verifySignature(options: {
  secret: string;
  body: string;
  header: string | null | undefined;
  /** Unix seconds; default the current time. */
  now?: number;
  toleranceSeconds?: number;
}): VerifyResult {
  const { secret, body, header } = options;
  if (!header) return { ok: false, reason: "malformed" };
  let timestamp: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(",")) {
    const [key, value, ...rest] = part.trim().split("=");
    if (rest.length > 0 || value === undefined) return { ok: false, reason: "malformed" };
    if (key === "t" && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === "v1" && /^[0-9a-f]{64}$/.test(value)) candidates.push(value);
  }
  if (timestamp === undefined || candidates.length === 0) return { ok: false, reason: "malformed" };
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS)) return { ok: false, reason: "expired" };
  const expected = Buffer.from(hmacHex(secret, timestamp, body), "hex");
  // Equal lengths (both 32 bytes), compared in constant time.
  const matches = candidates.some((candidate) => timingSafeEqual(Buffer.from(candidate, "hex"), expected));
  return matches ? { ok: true, timestamp } : { ok: false, reason: "mismatch" };
}
