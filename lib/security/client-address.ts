import { isIP } from "node:net";

/**
 * The client's address, decided once per request from what this process can trust: the
 * socket's peer, and as many X-Forwarded-For entries (from the right) as there are trusted
 * reverse proxies in front of the portal (TRUSTED_PROXIES). Everything left of those entries
 * was written by the client and is ignored, so rotating X-Forwarded-For changes nothing.
 */

/** The request header that carries the decided address to the app (any client-sent value is overwritten). */
export const CLIENT_ADDRESS_HEADER = "x-portal-client-address";

/** "::ffff:203.0.113.7" (an IPv4 client on a dual-stack socket) is 203.0.113.7. */
function normalize(address: string): string | null {
  const trimmed = address.trim();
  const unmapped = trimmed.toLowerCase().startsWith("::ffff:") && isIP(trimmed.slice(7)) === 4 ? trimmed.slice(7) : trimmed;
  return isIP(unmapped) ? unmapped.toLowerCase() : null;
}

/**
 * `trustedProxies` hops back from the socket: 0 is the socket's peer; 1 the last
 * X-Forwarded-For entry (written by the one trusted proxy); and so on. A hop that is missing
 * or not an IP address stops the walk at the last trustworthy address.
 */
export function clientAddress(forwardedFor: string | string[] | undefined, socketAddress: string | undefined, trustedProxies: number): string | null {
  let address = socketAddress === undefined ? null : normalize(socketAddress);
  if (address === null) return null;
  const forwarded = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : (forwardedFor ?? "")).split(",").filter((entry) => entry.trim() !== "");
  for (let hop = 1; hop <= trustedProxies; hop++) {
    const entry = forwarded[forwarded.length - hop];
    const next = entry === undefined ? null : normalize(entry);
    if (next === null) break;
    address = next;
  }
  return address;
}
