import { describe, expect, test } from "vitest";
import { evaluateFindings, type PreviousHealth } from "./evaluate";
import type { CheckFindings, HealthAwsError, KeyFinding, PathFinding } from "./findings";

const S3_KEY = "arn:aws:kms:eu-west-1:123456789012:key/11111111-1111-1111-1111-111111111111";
const RDS_KEY = "arn:aws:kms:eu-west-1:123456789012:key/22222222-2222-2222-2222-222222222222";

function key(kind: "s3" | "rds", extra: Partial<KeyFinding> = {}): KeyFinding {
  return { kind, keyArn: kind === "s3" ? S3_KEY : RDS_KEY, preflight: "read", keyState: "Enabled", rotationEnabled: true, ...extra };
}

function path(which: "s3" | "rds", extra: Partial<PathFinding> = {}): PathFinding {
  return { path: which, ok: true, detail: "ok", ...(which === "rds" ? { clusterStatus: "available" } : {}), ...extra };
}

function awsError(code: string, extra: Partial<HealthAwsError> = {}): HealthAwsError {
  return { service: "s3", operation: "PutObject", code, message: `${code} happened`, requestId: "req-1", temporary: false, ...extra };
}

const throttled = (operation = "PutObject", service = "s3") => awsError("ThrottlingException", { operation, service, temporary: true });

function findings(keys: KeyFinding[] = [key("s3"), key("rds")], paths: PathFinding[] = [path("s3"), path("rds")]): CheckFindings {
  return { keys, paths, notes: [] };
}

const healthy: PreviousHealth = { state: "HEALTHY", unreachableCount: 0, rotationOff: false };

describe("evaluateFindings", () => {
  test("every path worked and both keys are enabled: Healthy", () => {
    expect(evaluateFindings(findings(), healthy)).toMatchObject({ observed: "HEALTHY", state: "HEALTHY", unreachableCount: 0, rotationOff: false, awsError: null });
  });

  test("the preflight statement is missing: skipped, still Healthy when the paths work", () => {
    const denied = awsError("AccessDeniedException", { service: "kms", operation: "DescribeKey" });
    const result = evaluateFindings(findings([key("s3", { preflight: "not-allowed", keyState: undefined, rotationEnabled: undefined, error: denied }), key("rds", { preflight: "not-allowed", keyState: undefined, rotationEnabled: undefined, error: denied })]), healthy);
    expect(result.state).toBe("HEALTHY");
    expect(result.rotationOff).toBe(false);
  });

  test("DescribeKey says Disabled: Key disabled, about that key", () => {
    const result = evaluateFindings(findings([key("s3"), key("rds", { keyState: "Disabled" })]), healthy);
    expect(result).toMatchObject({ state: "KEY_DISABLED", problem: { key: "rds" } });
  });

  test("S3 relays KMS.DisabledException: Key disabled on the S3 path", () => {
    const error = awsError("KMS.DisabledException");
    const result = evaluateFindings(findings([key("s3", { preflight: "not-allowed", keyState: undefined }), key("rds")], [path("s3", { ok: false, error }), path("rds")]), healthy);
    expect(result).toMatchObject({ state: "KEY_DISABLED", problem: { key: "s3", path: "s3", error }, awsError: error });
  });

  test("pending deletion from DescribeKey or from KMSInvalidStateException's message", () => {
    expect(evaluateFindings(findings([key("s3"), key("rds", { keyState: "PendingDeletion", deletionDate: "2026-12-06T00:00:00.000Z" })]), healthy)).toMatchObject({
      state: "PENDING_DELETION",
      problem: { key: "rds" },
    });
    const error = awsError("KMS.KMSInvalidStateException", { message: `${S3_KEY} is pending deletion.` });
    expect(evaluateFindings(findings([key("s3", { preflight: "not-allowed", keyState: undefined }), key("rds")], [path("s3", { ok: false, error }), path("rds")]), healthy)).toMatchObject({
      state: "PENDING_DELETION",
      problem: { key: "s3", path: "s3" },
    });
  });

  test("NotFoundException: Key not found", () => {
    const error = awsError("NotFoundException", { service: "kms", operation: "DescribeKey" });
    expect(evaluateFindings(findings([key("s3", { preflight: "failed", keyState: undefined, error }), key("rds")]), healthy)).toMatchObject({ state: "KEY_NOT_FOUND", problem: { key: "s3" } });
  });

  test("AccessDenied on the S3 path: Access denied, naming the S3 use statement", () => {
    const error = awsError("AccessDenied");
    expect(evaluateFindings(findings([key("s3"), key("rds")], [path("s3", { ok: false, error }), path("rds")]), healthy)).toMatchObject({
      state: "ACCESS_DENIED",
      problem: { key: "s3", path: "s3", statementSid: "AllowPlatformS3Use", error },
    });
  });

  test("the cluster lost its key while the key is fine: Access denied on the RDS path, naming the grants statement", () => {
    const rds = path("rds", { ok: false, clusterStatus: "inaccessible-encryption-credentials-recoverable" });
    expect(evaluateFindings(findings(undefined, [path("s3"), rds]), healthy)).toMatchObject({
      state: "ACCESS_DENIED",
      problem: { key: "rds", path: "rds", statementSid: "AllowPlatformRdsGrants" },
    });
    // When DescribeKey explains it, the key's own state is the answer.
    expect(evaluateFindings(findings([key("s3"), key("rds", { keyState: "Disabled" })], [path("s3"), rds]), healthy).state).toBe("KEY_DISABLED");
  });

  test("a restart RDS refused because the key is still unusable: Access denied on the RDS path; a throttled restart concludes nothing", () => {
    const refused = awsError("KMSKeyNotAccessibleFault", { service: "rds", operation: "StartDBCluster" });
    const rds = path("rds", { ok: false, clusterStatus: "inaccessible-encryption-credentials-recoverable", error: refused });
    expect(evaluateFindings(findings(undefined, [path("s3"), rds]), healthy)).toMatchObject({ state: "ACCESS_DENIED", problem: { key: "rds", path: "rds", statementSid: "AllowPlatformRdsGrants" } });
    const throttledStart = path("rds", { ok: false, clusterStatus: "inaccessible-encryption-credentials-recoverable", error: throttled("StartDBCluster", "rds") });
    expect(evaluateFindings(findings(undefined, [path("s3"), throttledStart]), healthy)).toMatchObject({ state: "HEALTHY", observed: "AWS_UNREACHABLE", unreachableCount: 1 });
  });

  test("a cluster started again after its key came back counts as working", () => {
    const rds = path("rds", { ok: true, clusterStatus: "inaccessible-encryption-credentials-recoverable", recoveryStarted: true });
    expect(evaluateFindings(findings(undefined, [path("s3"), rds]), { ...healthy, state: "ACCESS_DENIED" }).state).toBe("HEALTHY");
  });

  test("the worst of several problems wins", () => {
    const denied = awsError("AccessDenied");
    expect(evaluateFindings(findings([key("s3"), key("rds", { keyState: "PendingDeletion" })], [path("s3", { ok: false, error: denied }), path("rds")]), healthy).state).toBe("ACCESS_DENIED");
  });

  test("throttling never concludes Key disabled or Access denied: the previous state stays and the count grows", () => {
    const result = evaluateFindings(findings(undefined, [path("s3", { ok: false, error: throttled() }), path("rds")]), healthy);
    expect(result).toMatchObject({ observed: "AWS_UNREACHABLE", state: "HEALTHY", unreachableCount: 1 });
    expect(result.notes.join(" ")).toMatch(/1 of 3 checks in a row/);
    const throttledKms = awsError("KMS.ThrottlingException", { temporary: true });
    expect(evaluateFindings(findings(undefined, [path("s3", { ok: false, error: throttledKms }), path("rds")]), { state: "KEY_DISABLED", unreachableCount: 0, rotationOff: false, problem: { key: "s3" } })).toMatchObject({
      state: "KEY_DISABLED",
      unreachableCount: 1,
      problem: { key: "s3" },
    });
  });

  test("AWS unreachable becomes the state only at the threshold of checks in a row", () => {
    const unreachable = findings([key("s3", { preflight: "failed", keyState: undefined, error: throttled("DescribeKey", "kms") }), key("rds")], [path("s3", { ok: false, error: throttled() }), path("rds")]);
    let previous: PreviousHealth = healthy;
    const states: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const result = evaluateFindings(unreachable, previous);
      states.push(result.state);
      previous = { state: result.state, unreachableCount: result.unreachableCount, rotationOff: result.rotationOff };
    }
    expect(states).toEqual(["HEALTHY", "HEALTHY", "AWS_UNREACHABLE", "AWS_UNREACHABLE"]);
    expect(previous.unreachableCount).toBe(4);
    const back = evaluateFindings(findings(), previous);
    expect(back).toMatchObject({ state: "HEALTHY", unreachableCount: 0 });
  });

  test("a definite answer from another call still decides while some calls were throttled", () => {
    const result = evaluateFindings(findings([key("s3", { keyState: "Disabled" }), key("rds", { preflight: "failed", keyState: undefined, error: throttled("DescribeKey", "kms") })], [path("s3", { ok: false, error: throttled() }), path("rds")]), healthy);
    expect(result).toMatchObject({ state: "KEY_DISABLED", unreachableCount: 0 });
  });

  test("an unexplained permanent failure is not blamed on the customer", () => {
    const result = evaluateFindings(findings(undefined, [path("s3", { ok: false, error: awsError("NoSuchBucket") }), path("rds")]), healthy);
    expect(result).toMatchObject({ observed: "AWS_UNREACHABLE", state: "HEALTHY", unreachableCount: 1 });
  });

  test("rotation off on either key is a warning, kept while a key cannot be read", () => {
    expect(evaluateFindings(findings([key("s3", { rotationEnabled: false }), key("rds")]), healthy)).toMatchObject({ state: "HEALTHY", rotationOff: true });
    const unread = findings([key("s3", { preflight: "failed", keyState: undefined, rotationEnabled: undefined, error: throttled("GetKeyRotationStatus", "kms") }), key("rds")]);
    expect(evaluateFindings(unread, { ...healthy, rotationOff: true }).rotationOff).toBe(true);
    expect(evaluateFindings(findings(), { ...healthy, rotationOff: true }).rotationOff).toBe(false);
  });
});
