import { describe, expect, test } from "vitest";
import { judgeRoleKey, trustRefusedMessage } from "./role-checks";

const KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const input = { keyArn: KEY, region: "eu-west-1" };
const symmetric = { KeyId: "1234abcd-12ab-34cd-56ef-1234567890ab", KeyState: "Enabled", KeySpec: "SYMMETRIC_DEFAULT", KeyUsage: "ENCRYPT_DECRYPT", KeyManager: "CUSTOMER", Origin: "AWS_KMS" } as const;

describe("judgeRoleKey (role mode's verdict on the key as the role described it)", () => {
  test("an enabled customer managed symmetric key passes; rotation off, imported material and multi-Region only warn", () => {
    expect(judgeRoleKey(input, symmetric, true)).toEqual({ ok: true, warnings: [] });
    const warned = judgeRoleKey(input, { ...symmetric, Origin: "EXTERNAL", MultiRegion: true, ValidTo: new Date("2027-03-01T00:00:00Z") }, false);
    expect(warned.ok).toBe(true);
    expect(warned.ok && warned.warnings.join(" | ")).toMatch(/rotation is off.*enable-key-rotation.*\| .*imported key material that expires on 2027-03-01.*\| .*multi-Region key/);
  });

  test("wrong key types, a disabled key, one pending deletion or import, and an AWS managed key are refused with the fix", () => {
    const refused = (meta: Record<string, unknown>) => {
      const verdict = judgeRoleKey(input, { ...symmetric, ...meta }, null, { endpointUrl: "http://127.0.0.1:4566" });
      return verdict.ok ? "accepted" : verdict.message;
    };
    expect(refused({ KeySpec: "RSA_2048" })).toContain("an asymmetric encryption key (RSA_2048)");
    expect(refused({ KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" })).toContain("an HMAC key (HMAC_256)");
    expect(refused({ KeyState: "Disabled" })).toBe(`This key is disabled, so the platform could not use it. Enable it: aws kms enable-key --key-id ${KEY} --region eu-west-1 --endpoint-url http://127.0.0.1:4566`);
    expect(refused({ KeyState: "PendingDeletion", DeletionDate: new Date("2026-12-30T00:00:00Z") })).toContain("scheduled for deletion on 2026-12-30");
    expect(refused({ KeyState: "PendingImport", Origin: "EXTERNAL" })).toContain("no usable key material");
    expect(refused({ KeyManager: "AWS" })).toContain("AWS managed key");
  });
});

test("the trust refusal names the platform role and the organization's External ID exactly", () => {
  const message = trustRefusedMessage({ roleArn: "arn:aws:iam::123456789012:role/byok-access", externalId: "byok-AbCdEfGhIjKlMnOpQrStUvWx", platformRoleArn: "arn:aws:iam::210987654321:role/byok-platform" });
  expect(message).toContain('"sts:ExternalId": "byok-AbCdEfGhIjKlMnOpQrStUvWx"');
  expect(message).toContain("arn:aws:iam::210987654321:role/byok-platform");
  expect(message).toContain("aws iam get-role --role-name byok-access");
});
