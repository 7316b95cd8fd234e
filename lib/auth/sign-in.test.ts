import { describe, expect, test } from "vitest";
import { safeNextPath, signInSchema } from "./sign-in";

describe("safeNextPath", () => {
  test.each([
    ["/environments/new", "/environments/new"],
    ["/environments?x=1", "/environments?x=1"],
    ["https://evil.example/", "/"],
    ["//evil.example/", "/"],
    ["/\\evil.example", "/"],
    ["/sign-in?next=/x", "/"],
    ["/api/health", "/"],
    ["/%09/evil.example", "/"],
    ["/%09%5Cevil.example", "/"],
    ["/%0a/evil.example", "/"],
    ["/\t/evil.example", "/"],
    ["/\n/evil.example", "/"],
    [undefined, "/"],
    [42, "/"],
  ])("%s → %s", (input, expected) => {
    expect(safeNextPath(input)).toBe(expected);
  });
});

describe("signInSchema", () => {
  test("trims the email and explains what is missing", () => {
    expect(signInSchema.parse({ email: "  admin@acme.example ", password: "p" }).email).toBe("admin@acme.example");
    const result = signInSchema.safeParse({ email: "", password: "" });
    expect(result.success).toBe(false);
    expect(result.error?.flatten().fieldErrors).toEqual({
      email: ["Enter your email address."],
      password: ["Enter your password."],
    });
    expect(signInSchema.safeParse({ email: "nope", password: "x" }).error?.issues[0]?.message).toBe(
      "Enter a valid email address, like name@company.com.",
    );
  });
});
