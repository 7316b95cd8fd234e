/**
 * The portal's response security headers, set by proxy.ts on every page and API answer.
 * Scripts run only with this request's nonce (Next puts it on its own scripts) or when loaded
 * by one of those ('strict-dynamic'); nothing may frame the portal; no browser feature the
 * portal does not use is available to it.
 */

/** The largest request body any action or route accepts (Next's server-action limit too). */
export const MAX_BODY_BYTES = 1024 * 1024;

export function contentSecurityPolicy(nonce: string, options: { development: boolean; https: boolean }): string {
  const directives = [
    "default-src 'self'",
    // React's development build evaluates code for its debugging tools; production never does.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${options.development ? " 'unsafe-eval'" : ""}`,
    // Next's development overlay injects inline styles; the production build uses only the stylesheet.
    `style-src 'self'${options.development ? " 'unsafe-inline'" : ` 'nonce-${nonce}'`}`,
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(options.https ? ["upgrade-insecure-requests"] : []),
  ];
  return directives.join("; ");
}

export const PERMISSIONS_POLICY = [
  "accelerometer=()",
  "autoplay=()",
  "camera=()",
  "display-capture=()",
  "geolocation=()",
  "gyroscope=()",
  "magnetometer=()",
  "microphone=()",
  "midi=()",
  "payment=()",
  "publickey-credentials-get=()",
  "usb=()",
  "browsing-topics=()",
].join(", ");

/** The headers besides the CSP; HSTS only when the portal's public URL is https. */
export function securityHeaders(publicUrl: string | undefined): Record<string, string> {
  return {
    "Permissions-Policy": PERMISSIONS_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    ...(publicUrl?.startsWith("https://") ? { "Strict-Transport-Security": "max-age=63072000; includeSubDomains" } : {}),
  };
}
