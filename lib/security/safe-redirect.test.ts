import { describe, expect, test } from "vitest";
import { safeRedirectPath } from "./safe-redirect";

describe("safeRedirectPath keeps same-origin paths", () => {
  test.each([
    ["/", "/"],
    ["/environments", "/environments"],
    ["/environments/new?step=2#keys", "/environments/new?step=2#keys"],
    ["/support/tenants?q=Acme%20Corp&sort=name", "/support/tenants?q=Acme%20Corp&sort=name"],
    ["/support/tenants?arn=arn%3Aaws%3Akms%3Aeu-west-1%3A123456789012%3Akey%2Fabc", "/support/tenants?arn=arn%3Aaws%3Akms%3Aeu-west-1%3A123456789012%3Akey%2Fabc"],
    ["/environments/ü", "/environments/%C3%BC"],
    ["/a/../environments", "/environments"],
  ])("%j → %j", (input, expected) => {
    expect(safeRedirectPath(input)).toBe(expected);
  });
});

/** Each of these leaves the origin in some browser, breaks the Location header, or is not a path. */
const hostile = [
  "https://evil.example/",
  "http:evil.example",
  "javascript:alert(1)",
  "data:text/html,x",
  "evil.example",
  "//evil.example/",
  "///evil.example/",
  "/\\evil.example",
  "\\\\evil.example",
  "/\\/evil.example",
  "\\/evil.example",
  "/\t/evil.example",
  "/\t\\evil.example",
  "\t//evil.example",
  "/\n/evil.example",
  "/\r/evil.example",
  "/\r\nLocation: https://evil.example",
  "/ /evil.example",
  "/\u0000/evil.example",
  "/\u000b/evil.example",
  "/\u007f/evil.example",
  "/%09/evil.example",
  "/%09%5Cevil.example",
  "/%0a/evil.example",
  "/%0D%0ALocation:%20https://evil.example",
  "/%2F/evil.example",
  "/%2f%2fevil.example",
  "/%5C%5Cevil.example",
  "/%5cevil.example",
  "/%00",
  "/%252F%252Fevil.example",
  "/%7f",
  "",
  " /environments",
  "/".padEnd(3000, "a"),
];

describe("safeRedirectPath refuses everything else", () => {
  test.each(hostile.map((value) => [value]))("%j → /", (value) => {
    expect(safeRedirectPath(value)).toBe("/");
  });

  test.each([[undefined], [null], [42], [["/environments"]], [{ toString: () => "/environments" }]])("%j (not a string) → /", (value) => {
    expect(safeRedirectPath(value)).toBe("/");
  });

  test("whatever it returns, a browser resolves it on the portal's own origin", () => {
    for (const value of hostile) {
      const resolved = new URL(safeRedirectPath(value), "https://portal.example");
      expect(resolved.origin, JSON.stringify(value)).toBe("https://portal.example");
    }
  });
});
