/**
 * The one check on where the portal sends a browser after sign-in: a path on this origin, or
 * "/". Browsers drop tabs and line breaks from URLs and read "\" as "/", so "/\t/evil.example"
 * or "/\\evil.example" would leave the origin; a line break in a Location header is a server
 * error. Such values, their percent-encoded forms, and anything whose parsed origin is not
 * ours are refused; what passes is re-serialized from the parsed URL.
 */

const base = "http://portal.invalid";
const unsafeCharacters = /[\u0000-\u0020\u007F\\]/;
/** In the path, the encoded forms too (a second decoding somewhere must not find a separator or a control character). */
const unsafeEncodedInPath = /%(0[0-9a-f]|1[0-9a-f]|7f|5c|2f|25)/i;

export function safeRedirectPath(value: unknown, fallback = "/"): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 2048) return fallback;
  if (!value.startsWith("/") || value.startsWith("//") || unsafeCharacters.test(value)) return fallback;
  if (unsafeEncodedInPath.test(value.split(/[?#]/, 1)[0] ?? "")) return fallback;
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    return fallback;
  }
  if (url.origin !== base) return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  return path.startsWith("/") && !path.startsWith("//") ? path : fallback;
}
