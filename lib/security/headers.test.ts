import { describe, expect, test } from "vitest";
import { contentSecurityPolicy, securityHeaders } from "./headers";

describe("contentSecurityPolicy", () => {
  test("production: scripts and styles only with the nonce, no framing, no plugins, no base or foreign forms", () => {
    const csp = contentSecurityPolicy("abc123", { development: false, https: false });
    expect(csp).toBe(
      "default-src 'self'; script-src 'self' 'nonce-abc123' 'strict-dynamic'; style-src 'self' 'nonce-abc123'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
  });

  test("https adds upgrade-insecure-requests; development allows what React's dev tools need", () => {
    expect(contentSecurityPolicy("n", { development: false, https: true })).toMatch(/; upgrade-insecure-requests$/);
    const development = contentSecurityPolicy("n", { development: true, https: false });
    expect(development).toContain("script-src 'self' 'nonce-n' 'strict-dynamic' 'unsafe-eval'");
    expect(development).toContain("style-src 'self' 'unsafe-inline'");
  });
});

describe("securityHeaders", () => {
  test("HSTS only when the public URL is https", () => {
    expect(securityHeaders("https://portal.example.com")["Strict-Transport-Security"]).toBe("max-age=63072000; includeSubDomains");
    expect(securityHeaders("http://localhost:3000")).not.toHaveProperty("Strict-Transport-Security");
    expect(securityHeaders(undefined)).not.toHaveProperty("Strict-Transport-Security");
  });

  test("Permissions-Policy turns off the browser features the portal does not use", () => {
    const policy = securityHeaders(undefined)["Permissions-Policy"];
    for (const feature of ["camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"]) expect(policy).toContain(feature);
  });
});
