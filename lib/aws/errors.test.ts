import { DisabledException, KMSServiceException } from "@aws-sdk/client-kms";
import { S3ServiceException } from "@aws-sdk/client-s3";
import { KMSKeyNotAccessibleFault } from "@aws-sdk/client-rds";
import { describe, expect, test } from "vitest";
import { AwsCallError, baseErrorCode, isTransientAwsError, normalizeAwsError } from "./errors";

const KEY = "arn:aws:kms:eu-west-1:123456789012:key/5d2f8c1a-3b4e-4f6a-9c7d-1e2f3a4b5c6d";
const DENIED =
  `User: arn:aws:sts::210987654321:assumed-role/byok-platform/portal is not authorized to perform: kms:GenerateDataKey on resource: ${KEY} because no resource-based policy allows the kms:GenerateDataKey action`;

describe("normalizeAwsError", () => {
  test("keeps AWS's code and full message, the request id and the HTTP status", () => {
    const error = new KMSServiceException({ name: "AccessDeniedException", $fault: "client", message: DENIED, $metadata: { httpStatusCode: 400, requestId: "req-1" } });
    expect(normalizeAwsError(error, "kms")).toEqual({ service: "kms", code: "AccessDeniedException", message: DENIED, requestId: "req-1", httpStatus: 400 });
  });

  test("S3 errors, including KMS errors S3 met on the caller's behalf", () => {
    const error = new S3ServiceException({ name: "KMS.DisabledException", $fault: "client", message: `${KEY} is disabled.`, $metadata: { httpStatusCode: 400, requestId: "s3-req" } });
    expect(normalizeAwsError(error, "s3")).toMatchObject({ service: "s3", code: "KMS.DisabledException", message: `${KEY} is disabled.`, requestId: "s3-req" });
    expect(baseErrorCode("KMS.DisabledException")).toBe("DisabledException");
  });

  test("RDS faults", () => {
    const message = `The specified KMS key [${KEY}] does not exist, is not enabled or you do not have permissions to access it.`;
    const error = new KMSKeyNotAccessibleFault({ message, $metadata: { httpStatusCode: 400 } });
    expect(normalizeAwsError(error, "rds")).toEqual({ service: "rds", code: "KMSKeyNotAccessibleFault", message, requestId: null, httpStatus: 400 });
  });

  test("no answer from AWS: a code and a plain message, no local addresses, never a stack", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:4566"), { code: "ECONNREFUSED" });
    const info = normalizeAwsError(refused, "kms");
    expect(info.code).toBe("ECONNREFUSED");
    expect(info.message).not.toContain("127.0.0.1");
    expect(info.message).not.toMatch(/\n\s+at /);
    expect(isTransientAwsError(info)).toBe(true);
    const wrapped = normalizeAwsError(Object.assign(new Error("socket hang up"), { name: "TimeoutError" }), "s3");
    expect(wrapped.code).toBe("TimeoutError");
  });

  test("anything else still yields a code and a message", () => {
    expect(normalizeAwsError("boom", "sts")).toMatchObject({ code: "UnknownError", requestId: null, httpStatus: null });
    expect(normalizeAwsError(new Error(""), "sts").code).toBe("UnknownError");
  });
});

describe("isTransientAwsError", () => {
  test.each([
    ["ThrottlingException", 400, true],
    ["KMS.ThrottlingException", 400, true],
    ["SlowDown", 503, true],
    ["Throttling", 400, true],
    ["KMSInternalException", 500, true],
    ["InternalError", 500, true],
    ["SomethingNew", 502, true],
    ["AccessDenied", 403, false],
    ["KMSKeyNotAccessibleFault", 400, false],
    ["DisabledException", 400, false],
    ["LimitExceededException", 400, false],
  ])("%s (%i) → %s", (code, httpStatus, transient) => {
    expect(isTransientAwsError({ code, httpStatus })).toBe(transient);
  });
});

test("AwsCallError carries the normalised error", () => {
  const info = normalizeAwsError(new DisabledException({ message: `${KEY} is disabled.`, $metadata: {} }), "kms");
  const error = new AwsCallError(info, "Encrypt");
  expect(error.info).toBe(info);
  expect(error.message).toContain("DisabledException");
});
