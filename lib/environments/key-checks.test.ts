import { describe, expect, it } from "vitest";
import { judgeKey } from "./key-checks";

const ARN = "arn:aws:kms:eu-west-1:123456789012:key/5d2f8c1a-3b4e-4f6a-9c7d-1e2f3a4b5c6d";
const enabled = { KeyId: "5d2f8c1a-3b4e-4f6a-9c7d-1e2f3a4b5c6d", Arn: ARN, KeyState: "Enabled", KeySpec: "SYMMETRIC_DEFAULT", KeyUsage: "ENCRYPT_DECRYPT", KeyManager: "CUSTOMER", Origin: "AWS_KMS" } as const;

describe("judgeKey", () => {
  it("accepts an enabled customer managed symmetric key, warning only when rotation is off", () => {
    expect(judgeKey("s3KeyArn", ARN, { outcome: "described", metadata: enabled, rotationEnabled: true })).toEqual({ ok: true, warnings: [] });
    expect(judgeKey("rdsKeyArn", ARN, { outcome: "described", metadata: enabled, rotationEnabled: null })).toEqual({ ok: true, warnings: [] });
    expect(judgeKey("rdsKeyArn", ARN, { outcome: "described", metadata: enabled, rotationEnabled: false })).toEqual({
      ok: true,
      warnings: [`Automatic rotation is off for your RDS key. We recommend turning it on: aws kms enable-key-rotation --key-id ${ARN} --region eu-west-1`],
    });
  });

  it("never judges a key AWS did not answer about", () => {
    expect(judgeKey("s3KeyArn", ARN, { outcome: "unavailable", code: "ThrottlingException" })).toEqual({ ok: "unknown" });
  });

  it.each([
    ["an AWS managed key", { ...enabled, KeyManager: "AWS" }, "This is an AWS managed key"],
    ["imported material that expired", { ...enabled, Origin: "EXTERNAL", ValidTo: new Date("2020-01-01T00:00:00Z") }, "imported material (origin EXTERNAL) that has not been imported yet or has expired"],
    ["a key in another state", { ...enabled, KeyState: "Unavailable" }, "This key is in the state Unavailable and cannot be used now."],
    ["a key pending deletion without a date", { ...enabled, KeyState: "PendingDeletion" }, "scheduled for deletion on a date AWS did not report"],
    ["an ECC signing key", { ...enabled, KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" }, "This is an asymmetric signing key (ECC_NIST_P256, SIGN_VERIFY)"],
  ] as const)("refuses %s", (_name, metadata, message) => {
    const verdict = judgeKey("s3KeyArn", ARN, { outcome: "described", metadata, rotationEnabled: true });
    expect(verdict.ok).toBe(false);
    expect(verdict.ok === false && verdict.problem).toContain(message);
  });

  it("names the statements each key needs when the platform may not read it", () => {
    const s3 = judgeKey("s3KeyArn", ARN, { outcome: "access-denied" });
    const rds = judgeKey("rdsKeyArn", ARN, { outcome: "access-denied" });
    expect(s3.ok === false && s3.problem).toContain("AllowPlatformS3Use, AllowPlatformS3DescribeKey, AllowPlatformKeyPreflight");
    expect(rds.ok === false && rds.problem).toContain("AllowPlatformRdsDescribeKey, AllowPlatformRdsGrants, AllowPlatformKeyPreflight");
  });
});
