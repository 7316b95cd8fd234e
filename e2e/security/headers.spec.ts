import { demoUsers, expect, signIn, test } from "../fixtures/portal";

function directives(csp: string): Map<string, string> {
  return new Map(csp.split(";").map((part) => part.trim()).filter(Boolean).map((part) => [part.split(/\s+/)[0] ?? "", part] as const));
}

test("every page and API answer carries a strict nonce CSP, no framing, a Permissions-Policy, and (over http) no HSTS", async ({ page, request }) => {
  const answers = [
    await request.get("/sign-in"),
    await request.get("/environments", { maxRedirects: 0 }),
    await request.get("/api/health"),
    await request.get("/api/auth/get-session"),
    await request.get("/api/environments/00000000-0000-4000-8000-000000000000/status"),
    await request.get("/api/auth/list-sessions"),
  ];
  for (const answer of answers) {
    const headers = answer.headers();
    const where = answer.url();
    const csp = directives(headers["content-security-policy"] ?? "");
    expect(csp.get("script-src"), where).toMatch(/^script-src 'self' 'nonce-[A-Za-z0-9+/=]{20,}' 'strict-dynamic'$/);
    expect(csp.get("style-src"), where).not.toContain("unsafe-inline");
    expect(csp.get("frame-ancestors"), where).toBe("frame-ancestors 'none'");
    expect(csp.get("object-src"), where).toBe("object-src 'none'");
    expect(csp.get("base-uri"), where).toBe("base-uri 'none'");
    expect(headers["permissions-policy"], where).toContain("camera=()");
    expect(headers["x-frame-options"], where).toBe("DENY");
    expect(headers["strict-transport-security"], where).toBeUndefined();
  }

  // Next's scripts carry this response's nonce, and the nonce is new on every response.
  await signIn(page, demoUsers.acme.email);
  for (const path of ["/environments", "/environments/new"]) {
    const response = await page.goto(path);
    const nonce = /'nonce-([^']+)'/.exec(response?.headers()["content-security-policy"] ?? "")?.[1];
    expect(nonce, path).toBeTruthy();
    const scriptNonces = await page.locator("script").evaluateAll((scripts) => scripts.map((script) => (script as HTMLScriptElement).nonce));
    expect(scriptNonces.length, path).toBeGreaterThan(0);
    expect(new Set(scriptNonces), path).toEqual(new Set([nonce]));
  }
  const first = (await request.get("/sign-in")).headers()["content-security-policy"];
  const second = (await request.get("/sign-in")).headers()["content-security-policy"];
  expect(first).not.toBe(second);
});
