import fc from "fast-check";
import { expect, test } from "vitest";
import { keyAliasNames, tenantNamePattern } from "@/lib/byok/values";
import { TENANT_NAME_MAX_LENGTH, proposeTenantName, tenantNameStem } from "./tenant-name";

test("slug plus a short suffix", () => {
  expect(proposeTenantName("acme", () => 0)).toBe("acme-aaaaaa");
  expect(proposeTenantName("acme")).toMatch(/^acme-[a-z2-9]{6}$/);
});

test("stems are folded to lower-case letters, digits and single inner hyphens", () => {
  expect(tenantNameStem("Ünïcödé Corp.")).toBe("unicode-corp");
  expect(tenantNameStem("--a__b--")).toBe("a-b");
  expect(tenantNameStem("日本")).toBe("tenant");
  expect(tenantNameStem("x".repeat(80))).toHaveLength(TENANT_NAME_MAX_LENGTH - 7);
  expect(tenantNameStem(`${"a".repeat(32)}-b`)).toBe("a".repeat(32));
});

test("any slug gives a name that is valid in an alias and a tag, at most 40 characters", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 120 }), (slug) => {
      const name = proposeTenantName(slug);
      expect(name.length).toBeLessThanOrEqual(TENANT_NAME_MAX_LENGTH);
      expect(name).toMatch(tenantNamePattern);
      expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      const aliases = keyAliasNames("stratus", name);
      expect(aliases.s3).toMatch(/^alias\/[a-zA-Z0-9/_-]{1,250}$/);
    }),
  );
});

test("suffixes differ", () => {
  const names = new Set(Array.from({ length: 200 }, () => proposeTenantName("acme")));
  expect(names.size).toBeGreaterThan(195);
});
