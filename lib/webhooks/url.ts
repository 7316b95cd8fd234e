import { z } from "zod";

/**
 * The rules for an alert webhook's URL, shared by the settings form (through zodResolver) and
 * the server, which parses again. The portal makes requests to this URL from inside its own
 * network, so addresses that point back inside it are refused when written as a literal IP
 * (a name is resolved only when sending).
 */

export const WEBHOOK_URL_MAX_LENGTH = 2048;

export interface WebhookUrlPolicy {
  /** Plain http to 127.0.0.1/localhost, for tests' local receivers (WEBHOOK_ALLOW_LOOPBACK_HTTP=1). */
  allowLoopbackHttp: boolean;
}

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** URL normalises every IPv4 spelling (2130706433, 0x7f.1, 127.1) to the dotted quad. */
function ipv4Octets(hostname: string): number[] | null {
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(hostname)) return null;
  return hostname.split(".").map(Number);
}

/** Private, loopback, link-local, shared (CGNAT), multicast, reserved and unspecified IPv4 ranges. */
function isInternalIpv4(octets: number[]): boolean {
  const [a = 0, b = 0] = octets;
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) ||
    a >= 224
  );
}

function isInternalIpv6(address: string): boolean {
  const lower = address.toLowerCase();
  if (lower === "::" || lower === "::1") return true;
  // IPv4-mapped (::ffff:a.b.c.d, which URL normalises to ::ffff:xxxx:xxxx): judged as IPv4.
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (mapped) {
    const high = parseInt(mapped[1] ?? "0", 16);
    const low = parseInt(mapped[2] ?? "0", 16);
    return isInternalIpv4([high >> 8, high & 255, low >> 8, low & 255]);
  }
  const first = parseInt(lower.split(":")[0] || "0", 16);
  // fc00::/7 unique local, fe80::/10 link-local, ff00::/8 multicast.
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80 || (first & 0xff00) === 0xff00;
}

/** Whether a URL's hostname (as URL normalises it) is a literal IP inside a private or local range. */
export function isInternalAddress(hostname: string): boolean {
  const octets = ipv4Octets(hostname);
  if (octets) return isInternalIpv4(octets);
  if (hostname.startsWith("[") && hostname.endsWith("]")) return isInternalIpv6(hostname.slice(1, -1));
  return false;
}

/** The problem with a webhook URL, in the customer's words, or null when it may be used. */
export function webhookUrlProblem(raw: string, policy: WebhookUrlPolicy): string | null {
  if (raw.length > WEBHOOK_URL_MAX_LENGTH) return `Keep the URL to ${WEBHOOK_URL_MAX_LENGTH} characters or fewer.`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "Enter a full URL starting with https://, e.g. https://alerts.example.com/byok.";
  }
  if (url.username || url.password) return "Remove the user name and password from the URL; every request is signed with the secret instead.";
  const hostname = url.hostname.toLowerCase();
  const loopbackName = LOOPBACK_NAMES.has(hostname) || hostname.endsWith(".localhost");
  const loopbackAllowed = policy.allowLoopbackHttp && (hostname === "127.0.0.1" || hostname === "localhost");
  if (url.protocol === "http:" && !loopbackAllowed) return "Use an https:// URL: alerts are only sent over HTTPS.";
  if (url.protocol !== "https:" && url.protocol !== "http:") return "Use an https:// URL: alerts are only sent over HTTPS.";
  if (loopbackAllowed) return null;
  if (loopbackName || isInternalAddress(hostname)) {
    return "Use a public address: alerts cannot be sent to private, loopback or link-local addresses.";
  }
  return null;
}

/** The URL as the settings form and the server take it. */
export function webhookUrlSchema(policy: WebhookUrlPolicy) {
  return z
    .string({ error: "Enter the URL that should receive alerts." })
    .trim()
    .min(1, "Enter the URL that should receive alerts.")
    .superRefine((value, ctx) => {
      const problem = webhookUrlProblem(value, policy);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    });
}

export function webhookUrlFormSchema(policy: WebhookUrlPolicy) {
  return z.object({ url: webhookUrlSchema(policy) });
}
export type WebhookUrlInput = z.infer<ReturnType<typeof webhookUrlFormSchema>>;
