import { describe, expect, test } from "vitest";
import { evaluateCondition } from "./conditions";
import { accessDeniedMessage, decideKms } from "./evaluator";
import { arnMatches } from "./match";
import type { AuthzRequest, PolicyDocument } from "./types";

const platform = { arn: "arn:aws:sts::210987654321:assumed-role/byok-platform/portal", accountId: "210987654321", roleArn: "arn:aws:iam::210987654321:role/byok-platform" };
const keyArn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const allowAll: PolicyDocument = { Statement: [{ Effect: "Allow", Action: "kms:*", Resource: "*" }] };

function request(context: AuthzRequest["context"] = {}, action = "kms:GenerateDataKey"): AuthzRequest {
  return { principal: platform, action, resource: keyArn, context };
}

describe("conditions", () => {
  test("missing keys: positive false, negated true, IfExists true, sets any=false all=true, Null", () => {
    expect(evaluateCondition("StringEquals", "k", "v", {})).toBe(false);
    expect(evaluateCondition("StringNotEquals", "k", "v", {})).toBe(true);
    expect(evaluateCondition("StringEqualsIfExists", "k", "v", {})).toBe(true);
    expect(evaluateCondition("ForAnyValue:StringEquals", "k", "v", {})).toBe(false);
    expect(evaluateCondition("ForAllValues:StringEquals", "k", "v", {})).toBe(true);
    expect(evaluateCondition("Null", "k", "true", {})).toBe(true);
    expect(evaluateCondition("Null", "k", "false", { k: "x" })).toBe(true);
  });

  test("operators and case rules", () => {
    expect(evaluateCondition("StringLike", "kms:ViaService", "s3.*.amazonaws.com", { "kms:viaservice": "s3.eu-west-1.amazonaws.com" })).toBe(true);
    expect(evaluateCondition("StringEqualsIgnoreCase", "k", "ABC", { k: "abc" })).toBe(true);
    expect(evaluateCondition("Bool", "kms:GrantIsForAWSResource", "true", { "kms:GrantIsForAWSResource": "TRUE" })).toBe(true);
    expect(evaluateCondition("NumericLessThan", "n", "10", { n: "9" })).toBe(true);
    expect(evaluateCondition("DateGreaterThan", "aws:CurrentTime", "2020-01-01T00:00:00Z", { "aws:CurrentTime": "2024-01-01T00:00:00Z" })).toBe(true);
    expect(evaluateCondition("IpAddress", "aws:SourceIp", "10.0.0.0/8", { "aws:SourceIp": "10.1.2.3" })).toBe(true);
    expect(evaluateCondition("ForAllValues:StringEquals", "kms:GrantOperations", ["Decrypt", "Encrypt"], { "kms:GrantOperations": ["Decrypt"] })).toBe(true);
    expect(evaluateCondition("ForAllValues:StringEquals", "kms:GrantOperations", ["Decrypt"], { "kms:GrantOperations": ["Decrypt", "Encrypt"] })).toBe(false);
    expect(evaluateCondition("StringEquals", "aws:PrincipalAccount", "${aws:PrincipalAccount}", { "aws:PrincipalAccount": "1" })).toBe(true);
    expect(arnMatches("arn:aws:iam::*:role/byok-*", "arn:aws:iam::210987654321:role/byok-platform")).toBe(true);
    expect(arnMatches("arn:aws:iam::*", "arn:aws:iam::210987654321:role/x")).toBe(false);
  });
});

describe("KMS decisions", () => {
  const rolePolicy: PolicyDocument = { Statement: [{ Effect: "Allow", Principal: { AWS: platform.roleArn }, Action: "kms:GenerateDataKey*", Resource: "*", Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } } }] };

  test("a role statement matches its sessions; cross-account needs the identity policy too", () => {
    const r = request({ "kms:ViaService": "s3.eu-west-1.amazonaws.com" });
    expect(decideKms({ request: r, identityPolicies: [allowAll], keyPolicy: rolePolicy, keyAccountId: "123456789012" }).allowed).toBe(true);
    const noIdentity = decideKms({ request: r, identityPolicies: [], keyPolicy: rolePolicy, keyAccountId: "123456789012" });
    expect(noIdentity).toEqual({ allowed: false, reason: "no-identity-allow" });
    if (!noIdentity.allowed) expect(accessDeniedMessage(r, noIdentity)).toContain("because no identity-based policy allows the kms:GenerateDataKey action");
  });

  test("account root delegates to IAM; explicit deny wins; grants allow", () => {
    const root: PolicyDocument = { Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::210987654321:root" }, Action: "kms:*", Resource: "*" }] };
    expect(decideKms({ request: request(), identityPolicies: [allowAll], keyPolicy: root, keyAccountId: "210987654321" }).allowed).toBe(true);
    expect(decideKms({ request: request(), identityPolicies: [], keyPolicy: root, keyAccountId: "210987654321" }).allowed).toBe(false);
    const withDeny: PolicyDocument = { Statement: [...(root.Statement as never[]), { Effect: "Deny", Principal: "*", Action: "kms:*", Resource: "*" }] };
    expect(decideKms({ request: request(), identityPolicies: [allowAll], keyPolicy: withDeny, keyAccountId: "210987654321" })).toEqual({ allowed: false, reason: "explicit-deny-resource" });
    expect(decideKms({ request: request(), identityPolicies: [], keyPolicy: { Statement: [] }, keyAccountId: "123456789012", grantAllows: true }).allowed).toBe(true);
  });
});

describe("memoized matching", () => {
  test("what is remembered is keyed by pattern text: a document changed in place decides as it now reads", () => {
    const statement = {
      Effect: "Allow" as const,
      Principal: { AWS: platform.roleArn },
      Action: ["kms:Encrypt", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: { StringLike: { "kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::stratus-a-*"] } },
    };
    const keyPolicy: PolicyDocument = { Statement: [statement] };
    const decide = (context: AuthzRequest["context"], action?: string): boolean =>
      decideKms({ request: request(context, action), identityPolicies: [allowAll], keyPolicy, keyAccountId: "123456789012" }).allowed;
    const bucketA = { "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::stratus-a-data/x" };
    const bucketB = { "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::other-b-data/x" };
    expect(decide(bucketA)).toBe(true);
    expect(decide(bucketB)).toBe(false);
    expect(decide(bucketA, "kms:generatedatakeywithoutplaintext")).toBe(true);

    statement.Condition.StringLike["kms:EncryptionContext:aws:s3:arn"] = ["arn:aws:s3:::other-b-*"];
    expect(decide(bucketA)).toBe(false);
    expect(decide(bucketB)).toBe(true);

    statement.Action = ["kms:Encrypt"];
    expect(decide(bucketB)).toBe(false);
    expect(decide(bucketB, "KMS:ENCRYPT")).toBe(true);

    statement.Principal = { AWS: "arn:aws:iam::123456789012:root" };
    // The statement now names the key's own account, not the platform's role.
    expect(decide(bucketB, "kms:Encrypt")).toBe(false);
  });

  test("ARN patterns keep their segments apart however often they are matched", () => {
    for (let i = 0; i < 3; i += 1) {
      expect(arnMatches("arn:aws:kms:*:210987654321:*", "arn:aws:kms:eu-west-1:210987654321:key/k")).toBe(true);
      expect(arnMatches("arn:aws:kms:*:210987654321:*", keyArn)).toBe(false);
      expect(arnMatches("arn:aws:kms:*", keyArn)).toBe(false);
    }
  });
});
