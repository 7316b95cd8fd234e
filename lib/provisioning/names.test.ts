import { expect, test } from "vitest";
import { bucketArnPatterns } from "@/lib/byok/policies";
import { bucketNamePrefixFor } from "@/lib/byok/values";
import { bucketName, clusterIdentifier } from "./names";

const ENVIRONMENT = "0f3c6b2e-8d1a-4c5e-9b7f-2a6d8e4c1f90";

test("bucket names fall under the prefix the customer's key policy allows", () => {
  const prefix = bucketNamePrefixFor("stratus", ENVIRONMENT);
  const [bucketPattern] = bucketArnPatterns("aws", prefix);
  const pattern = new RegExp(`^${(bucketPattern ?? "").replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
  for (const purpose of ["data", "logs"] as const) {
    const name = bucketName("stratus", ENVIRONMENT, purpose);
    expect(name).toBe(`stratus-${ENVIRONMENT}-${purpose}`);
    expect(`arn:aws:s3:::${name}`).toMatch(pattern);
    // S3 bucket naming rules: 3-63 characters, lower-case letters, digits, hyphens.
    expect(name).toMatch(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/);
  }
  expect(bucketName("abcdefghijklmno", ENVIRONMENT, "logs").length).toBeLessThanOrEqual(63);
});

test("the cluster identifier is a valid RDS identifier even with the longest prefix", () => {
  expect(clusterIdentifier("stratus", ENVIRONMENT)).toBe(`stratus-${ENVIRONMENT}`);
  const longest = clusterIdentifier("abcdefghijklmno", ENVIRONMENT.toUpperCase());
  expect(longest.length).toBeLessThanOrEqual(63);
  expect(longest).toMatch(/^[a-z][a-z0-9-]*[a-z0-9]$/);
  expect(longest).not.toContain("--");
  expect(() => clusterIdentifier("x", "a--b")).toThrow();
});
