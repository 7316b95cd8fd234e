import { describe, expect, it } from "vitest";
import { oracleVerdict, type OracleVerdict } from "@/lib/iam/__testing__/oracle";
import { EXAMPLE_ENVIRONMENT, EXAMPLE_POLICY_CONTEXT } from "./example-environment";
import {
  bucketArnPatterns,
  buildS3KeyStatements,
  keyPolicy,
  rdsKeyStatements,
  s3KeyStatements,
  statementsForPasting,
  type KeyPolicyDocument,
} from "./policies";
import { InvalidByokValueError } from "./values";

/**
 * Policy oracle: the rendered key policies evaluated by an independent IAM policy simulator
 * (lib/iam/__testing__/oracle.ts says how).
 */

const env = EXAMPLE_ENVIRONMENT;
const ctx = EXAMPLE_POLICY_CONTEXT;

const keyArns = { s3: env.s3KeyArn, rds: env.rdsKeyArn };
const PLATFORM_SESSION = `arn:aws:sts::${env.platformAccountId}:assumed-role/byok-platform/byok-env-${env.environmentId}`;
const OTHER_ENVIRONMENT_ID = "9a8b7c6d-1e2f-4a3b-8c4d-5e6f7a8b9c0d";
const ENVIRONMENT_TAG = "aws:PrincipalTag/byok-environment";
const CUSTOMER_ADMIN = `arn:aws:iam::${env.customerAccountId}:role/KeyAdministrator`;
const OTHER_ACCOUNT = "444455556666";
const THIS_BUCKET_OBJECT = `arn:aws:s3:::${env.bucketNamePrefix}-data/tenants/objects/1.json`;
const THIS_BUCKET = `arn:aws:s3:::${env.bucketNamePrefix}-data`;
const OTHER_ENVIRONMENT_OBJECT = "arn:aws:s3:::stratus-9a8b7c6d-1e2f-4a3b-8c4d-5e6f7a8b9c0d-data/objects/1.json";


type Verdict = OracleVerdict;

interface OracleCase {
  name: string;
  key: "s3" | "rds";
  principal: string;
  action: string;
  context: Record<string, string | string[]>;
  /** Whether the caller's own IAM policies allow KMS (the platform's and the customer admin's do). */
  identityAllows?: boolean;
  policy?: KeyPolicyDocument;
  expected: Verdict;
}

function platformVia(service: "s3" | "rds", extra: Record<string, string | string[]> = {}) {
  return {
    "kms:ViaService": `${service}.${env.region}.amazonaws.com`,
    "aws:PrincipalAccount": env.platformAccountId,
    "kms:CallerAccount": env.platformAccountId,
    "aws:PrincipalArn": env.platformRoleArn,
    [ENVIRONMENT_TAG]: env.environmentId,
    ...extra,
  };
}

/** The portal's preflight: DescribeKey and GetKeyRotationStatus called directly, not through a service. */
function platformDirect(extra: Record<string, string | string[]> = {}) {
  return {
    "aws:PrincipalAccount": env.platformAccountId,
    "kms:CallerAccount": env.platformAccountId,
    "aws:PrincipalArn": env.platformRoleArn,
    [ENVIRONMENT_TAG]: env.environmentId,
    ...extra,
  };
}

const s3Context = (bucketArn: string) => ({
  "kms:EncryptionContext:aws:s3:arn": bucketArn,
  "kms:EncryptionContextKeys": ["aws:s3:arn"],
});

/** The simulator's verdict on one case (lib/iam/__testing__/oracle.ts). */
function verdictOf(testCase: OracleCase): Promise<Verdict> {
  return oracleVerdict(testCase.policy ?? keyPolicy(testCase.key, ctx), {
    principal: testCase.principal,
    action: testCase.action,
    resource: keyArns[testCase.key],
    resourceAccountId: env.customerAccountId,
    context: testCase.context,
    identityAllows: testCase.identityAllows,
  });
}

/** Every call the platform makes on each key, as it makes it for this environment. */
const platformCalls: Array<{ label: string; key: "s3" | "rds"; action: string; context: Record<string, string | string[]> }> = [
  ...(["kms:GenerateDataKey", "kms:Decrypt", "kms:Encrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKeyWithoutPlaintext"] as const).map((action) => ({
    label: `${action} via S3`,
    key: "s3" as const,
    action,
    context: platformVia("s3", s3Context(THIS_BUCKET_OBJECT)),
  })),
  { label: "kms:DescribeKey via S3", key: "s3", action: "kms:DescribeKey", context: platformVia("s3") },
  { label: "kms:DescribeKey via RDS", key: "rds", action: "kms:DescribeKey", context: platformVia("rds") },
  ...(["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"] as const).map((action) => ({
    label: `${action} via RDS`,
    key: "rds" as const,
    action,
    context: platformVia("rds", { "kms:GrantIsForAWSResource": "true" }),
  })),
  ...(["s3", "rds"] as const).flatMap((key) =>
    (["kms:DescribeKey", "kms:GetKeyRotationStatus"] as const).map((action) => ({ label: `preflight ${action} (direct)`, key, action, context: platformDirect() })),
  ),
];

const OTHER_ACCOUNT_SESSION = `arn:aws:sts::${OTHER_ACCOUNT}:assumed-role/byok-platform/byok-env-${env.environmentId}`;

/**
 * The environment pin: each platform call is allowed only from a session tagged with this
 * environment; another environment's tag, no tag, or the same role name and tag in another
 * account are refused.
 */
const tagPinCases: OracleCase[] = platformCalls.flatMap(({ label, key, action, context }): OracleCase[] => {
  const { [ENVIRONMENT_TAG]: _own, ...untagged } = context;
  return [
    { name: `pin: ${label} on the ${key} key, this environment's session → allowed`, key, principal: PLATFORM_SESSION, action, context, expected: "Allowed" },
    {
      name: `pin: ${label} on the ${key} key, another environment's session → denied`,
      key,
      principal: `arn:aws:sts::${env.platformAccountId}:assumed-role/byok-platform/byok-env-${OTHER_ENVIRONMENT_ID}`,
      action,
      context: { ...context, [ENVIRONMENT_TAG]: OTHER_ENVIRONMENT_ID },
      expected: "ImplicitlyDenied",
    },
    { name: `pin: ${label} on the ${key} key, an untagged session → denied`, key, principal: PLATFORM_SESSION, action, context: untagged, expected: "ImplicitlyDenied" },
    {
      name: `pin: ${label} on the ${key} key, the role's name and tag in another account → denied`,
      key,
      principal: OTHER_ACCOUNT_SESSION,
      action,
      context: {
        ...context,
        "aws:PrincipalAccount": OTHER_ACCOUNT,
        "kms:CallerAccount": OTHER_ACCOUNT,
        "aws:PrincipalArn": `arn:aws:iam::${OTHER_ACCOUNT}:role/byok-platform`,
      },
      expected: "ImplicitlyDenied",
    },
  ];
});

const oracleCases: OracleCase[] = [
  ...tagPinCases,
  // The preflight statement is read-only: nothing else is allowed directly.
  ...(["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:CreateGrant", "kms:GetKeyPolicy", "kms:ListResourceTags"] as const).flatMap((action): OracleCase[] =>
    (["s3", "rds"] as const).map((key) => ({
      name: `preflight: platform ${action} called directly on the ${key} key → denied`,
      key,
      principal: PLATFORM_SESSION,
      action,
      context: action === "kms:CreateGrant" ? platformDirect({ "kms:GrantIsForAWSResource": "true" }) : platformDirect(),
      expected: "ImplicitlyDenied",
    })),
  ),
  // The S3 key, used by the platform through S3 for this environment's buckets.
  ...(["kms:GenerateDataKey", "kms:Decrypt", "kms:Encrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKeyWithoutPlaintext"] as const).map(
    (action): OracleCase => ({
      name: `platform ${action} via S3 for this environment's object → allowed`,
      key: "s3",
      principal: PLATFORM_SESSION,
      action,
      context: platformVia("s3", s3Context(THIS_BUCKET_OBJECT)),
      expected: "Allowed",
    }),
  ),
  {
    name: "platform GenerateDataKey via S3 with an S3 Bucket Key (bucket ARN as context) → allowed",
    key: "s3",
    principal: PLATFORM_SESSION,
    action: "kms:GenerateDataKey",
    context: platformVia("s3", s3Context(THIS_BUCKET)),
    expected: "Allowed",
  },
  {
    name: "platform role itself (not a session) GenerateDataKey via S3 → allowed",
    key: "s3",
    principal: env.platformRoleArn,
    action: "kms:GenerateDataKey",
    context: platformVia("s3", s3Context(THIS_BUCKET_OBJECT)),
    expected: "Allowed",
  },
  {
    name: "platform DescribeKey via S3 (no encryption context) → allowed",
    key: "s3",
    principal: PLATFORM_SESSION,
    action: "kms:DescribeKey",
    context: platformVia("s3"),
    expected: "Allowed",
  },
  {
    name: "platform GenerateDataKey via S3 for another environment's bucket → denied",
    key: "s3",
    principal: PLATFORM_SESSION,
    action: "kms:GenerateDataKey",
    context: platformVia("s3", s3Context(OTHER_ENVIRONMENT_OBJECT)),
    expected: "ImplicitlyDenied",
  },
  {
    name: "platform Decrypt via S3 for another tenant's bucket → denied",
    key: "s3",
    principal: PLATFORM_SESSION,
    action: "kms:Decrypt",
    context: platformVia("s3", s3Context("arn:aws:s3:::globex-data/report.csv")),
    expected: "ImplicitlyDenied",
  },
  {
    name: "platform GenerateDataKey via S3 for a bucket named exactly the prefix (no suffix) → denied",
    key: "s3",
    principal: PLATFORM_SESSION,
    action: "kms:GenerateDataKey",
    context: platformVia("s3", s3Context(`arn:aws:s3:::${env.bucketNamePrefix}`)),
    expected: "ImplicitlyDenied",
  },
  {
    name: "platform GenerateDataKey via S3 without any encryption context → denied",
    key: "s3",
    principal: PLATFORM_SESSION,
    action: "kms:GenerateDataKey",
    context: platformVia("s3"),
    expected: "ImplicitlyDenied",
  },
  {
    name: "platform GenerateDataKey via S3 in another region → denied",
    key: "s3",
    principal: PLATFORM_SESSION,
    action: "kms:GenerateDataKey",
    context: { ...platformVia("s3", s3Context(THIS_BUCKET_OBJECT)), "kms:ViaService": "s3.us-east-1.amazonaws.com" },
    expected: "ImplicitlyDenied",
  },
  {
    name: "platform GenerateDataKey called directly, not via S3 → denied",
    key: "s3",
    principal: PLATFORM_SESSION,
    action: "kms:GenerateDataKey",
    context: Object.fromEntries(Object.entries(platformVia("s3", s3Context(THIS_BUCKET_OBJECT))).filter(([key]) => key !== "kms:ViaService")),
    expected: "ImplicitlyDenied",
  },
  {
    name: "platform Decrypt via RDS on the S3 key → denied",
    key: "s3",
    principal: PLATFORM_SESSION,
    action: "kms:Decrypt",
    context: platformVia("rds", s3Context(THIS_BUCKET_OBJECT)),
    expected: "ImplicitlyDenied",
  },
  {
    name: "the platform role's name in another account, via S3 → denied",
    key: "s3",
    principal: OTHER_ACCOUNT_SESSION,
    action: "kms:GenerateDataKey",
    context: {
      ...platformVia("s3", s3Context(THIS_BUCKET_OBJECT)),
      "aws:PrincipalAccount": OTHER_ACCOUNT,
      "kms:CallerAccount": OTHER_ACCOUNT,
      "aws:PrincipalArn": `arn:aws:iam::${OTHER_ACCOUNT}:role/byok-platform`,
    },
    expected: "ImplicitlyDenied",
  },
  {
    name: "platform role with a mismatching principal account → denied (the account condition alone)",
    key: "s3",
    principal: PLATFORM_SESSION,
    action: "kms:GenerateDataKey",
    context: { ...platformVia("s3", s3Context(THIS_BUCKET_OBJECT)), "aws:PrincipalAccount": OTHER_ACCOUNT },
    expected: "ImplicitlyDenied",
  },
  {
    name: "platform CreateGrant via RDS on the S3 key → denied",
    key: "s3",
    principal: PLATFORM_SESSION,
    action: "kms:CreateGrant",
    context: platformVia("rds", { "kms:GrantIsForAWSResource": "true" }),
    expected: "ImplicitlyDenied",
  },

  // The Aurora key, used by the platform through RDS.
  { name: "platform DescribeKey via RDS → allowed", key: "rds", principal: PLATFORM_SESSION, action: "kms:DescribeKey", context: platformVia("rds"), expected: "Allowed" },
  // DescribeKey is read-only: the preflight statement allows it for this environment's session whichever way it comes.
  { name: "platform DescribeKey via S3 on the RDS key → allowed by the preflight statement", key: "rds", principal: PLATFORM_SESSION, action: "kms:DescribeKey", context: platformVia("s3"), expected: "Allowed" },
  { name: "platform Decrypt via RDS → denied (RDS decrypts through its grant)", key: "rds", principal: PLATFORM_SESSION, action: "kms:Decrypt", context: platformVia("rds"), expected: "ImplicitlyDenied" },
  { name: "platform GenerateDataKey via RDS → denied", key: "rds", principal: PLATFORM_SESSION, action: "kms:GenerateDataKey", context: platformVia("rds"), expected: "ImplicitlyDenied" },
  ...(["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"] as const).flatMap((action): OracleCase[] => [
    {
      name: `platform ${action} via RDS for an AWS resource → allowed`,
      key: "rds",
      principal: PLATFORM_SESSION,
      action,
      context: platformVia("rds", { "kms:GrantIsForAWSResource": "true" }),
      expected: "Allowed",
    },
    {
      name: `platform ${action} via RDS not for an AWS resource → denied`,
      key: "rds",
      principal: PLATFORM_SESSION,
      action,
      context: platformVia("rds", { "kms:GrantIsForAWSResource": "false" }),
      expected: "ImplicitlyDenied",
    },
  ]),
  {
    name: "platform CreateGrant via RDS without the grant flag → denied",
    key: "rds",
    principal: PLATFORM_SESSION,
    action: "kms:CreateGrant",
    context: platformVia("rds"),
    expected: "ImplicitlyDenied",
  },
  {
    name: "platform CreateGrant via RDS in another region → denied",
    key: "rds",
    principal: PLATFORM_SESSION,
    action: "kms:CreateGrant",
    context: { ...platformVia("rds", { "kms:GrantIsForAWSResource": "true" }), "kms:ViaService": "rds.us-east-1.amazonaws.com" },
    expected: "ImplicitlyDenied",
  },
  {
    name: "platform CreateGrant called directly (not via RDS) → denied",
    key: "rds",
    principal: PLATFORM_SESSION,
    action: "kms:CreateGrant",
    context: platformDirect({ "kms:GrantIsForAWSResource": "true" }),
    expected: "ImplicitlyDenied",
  },

  // Key administration stays with the customer.
  ...(["kms:ScheduleKeyDeletion", "kms:PutKeyPolicy", "kms:DisableKey"] as const).flatMap((action): OracleCase[] =>
    (["s3", "rds"] as const).map((key) => ({
      name: `platform ${action} on the ${key} key, even via its service → denied`,
      key,
      principal: PLATFORM_SESSION,
      action,
      context: platformVia(key),
      expected: "ImplicitlyDenied",
    })),
  ),
  ...(["kms:ScheduleKeyDeletion", "kms:PutKeyPolicy", "kms:DisableKey", "kms:Decrypt"] as const).map(
    (action): OracleCase => ({
      name: `the customer's own administrator ${action} (account root delegation) → allowed`,
      key: "s3",
      principal: CUSTOMER_ADMIN,
      action,
      context: { "aws:PrincipalAccount": env.customerAccountId, "kms:CallerAccount": env.customerAccountId },
      expected: "Allowed",
    }),
  ),
  {
    name: "the customer's administrator on the RDS key (account root delegation) → allowed",
    key: "rds",
    principal: CUSTOMER_ADMIN,
    action: "kms:PutKeyPolicy",
    context: { "aws:PrincipalAccount": env.customerAccountId, "kms:CallerAccount": env.customerAccountId },
    expected: "Allowed",
  },
  {
    name: "a customer principal without an IAM policy for KMS → denied (root delegates to IAM, it does not grant)",
    key: "s3",
    principal: `arn:aws:iam::${env.customerAccountId}:role/Developer`,
    action: "kms:Decrypt",
    context: { "aws:PrincipalAccount": env.customerAccountId, "kms:CallerAccount": env.customerAccountId },
    identityAllows: false,
    expected: "ImplicitlyDenied",
  },
  {
    name: "the platform without an IAM policy of its own → denied (cross-account needs both sides)",
    key: "s3",
    principal: PLATFORM_SESSION,
    action: "kms:GenerateDataKey",
    context: platformVia("s3", s3Context(THIS_BUCKET_OBJECT)),
    identityAllows: false,
    expected: "ImplicitlyDenied",
  },
];

describe("policy oracle (@cloud-copilot/iam-simulate)", () => {
  it("has at least 25 cases with both verdicts, and the pin cases cover every platform call on both keys", () => {
    expect(oracleCases.length).toBeGreaterThanOrEqual(25);
    expect(platformCalls.filter((call) => call.key === "s3").map((call) => call.action)).toEqual(
      expect.arrayContaining(s3KeyStatements(ctx).flatMap((statement) => statement.Action.filter((action) => !action.includes("*")))),
    );
    expect(platformCalls.filter((call) => call.key === "rds").map((call) => call.action)).toEqual(
      expect.arrayContaining(rdsKeyStatements(ctx).flatMap((statement) => statement.Action)),
    );
    expect(new Set(oracleCases.map((testCase) => testCase.name)).size).toBe(oracleCases.length);
    expect(oracleCases.some((testCase) => testCase.expected === "Allowed")).toBe(true);
    expect(oracleCases.some((testCase) => testCase.expected !== "Allowed")).toBe(true);
  });

  it.each(oracleCases.map((testCase) => [testCase.name, testCase] as const))("%s", async (_name, testCase) => {
    expect(await verdictOf(testCase)).toBe(testCase.expected);
  });

  it("would notice a misspelled context key (the ignored-keys guard can fail)", async () => {
    const misspelt: OracleCase = {
      name: "misspelt",
      key: "s3",
      principal: PLATFORM_SESSION,
      action: "kms:DescribeKey",
      context: { "kms:ViaServise": `s3.${env.region}.amazonaws.com`, "aws:PrincipalAccount": env.platformAccountId },
      expected: "ImplicitlyDenied",
    };
    await expect(verdictOf(misspelt)).rejects.toThrow(/ignored context keys of kms:DescribeKey: kms:ViaServise/);
  });

  it("would deny DescribeKey via S3 if the bucket condition sat on it (why the S3 statement is split)", async () => {
    const [use] = buildS3KeyStatements(ctx);
    if (use === undefined) throw new Error("no S3 statement");
    const unsplit: KeyPolicyDocument = {
      Version: "2012-10-17",
      Statement: [{ ...use, Action: [...use.Action, "kms:DescribeKey"] }],
    };
    const describeKey: OracleCase = { name: "unsplit", key: "s3", principal: PLATFORM_SESSION, action: "kms:DescribeKey", context: platformVia("s3"), expected: "ImplicitlyDenied" };
    expect(await verdictOf({ ...describeKey, policy: unsplit })).toBe("ImplicitlyDenied");
    expect(await verdictOf(describeKey)).toBe("Allowed");
  });
});

describe("statements", () => {
  it("fill every placeholder and keep the vendor's name out of the statement ids", () => {
    const text = JSON.stringify([...s3KeyStatements(ctx), ...rdsKeyStatements(ctx), keyPolicy("s3", ctx), keyPolicy("rds", ctx)]);
    expect(text).not.toMatch(/\$\{|<[a-z-]+>|undefined/i);
    for (const statement of [...s3KeyStatements(ctx), ...rdsKeyStatements(ctx)]) {
      expect(statement.Sid).toMatch(/^AllowPlatform(S3|Rds|Key)[A-Za-z]+$/);
      expect(statement.Principal).toEqual({ AWS: env.platformRoleArn });
    }
  });

  it("require this environment's session tag and the platform account in every platform statement", () => {
    for (const statement of [...s3KeyStatements(ctx), ...rdsKeyStatements(ctx)]) {
      expect(statement.Condition?.StringEquals).toMatchObject({ [ENVIRONMENT_TAG]: env.environmentId, "aws:PrincipalAccount": env.platformAccountId });
    }
    const other = s3KeyStatements({ ...ctx, environmentId: OTHER_ENVIRONMENT_ID });
    expect(other.map((statement) => statement.Condition?.StringEquals?.[ENVIRONMENT_TAG])).toEqual([OTHER_ENVIRONMENT_ID, OTHER_ENVIRONMENT_ID, OTHER_ENVIRONMENT_ID]);
  });

  it("end each key's statements with the read-only preflight statement, called directly (no kms:ViaService)", () => {
    for (const statements of [s3KeyStatements(ctx), rdsKeyStatements(ctx)]) {
      const preflight = statements.at(-1);
      expect(preflight?.Sid).toBe("AllowPlatformKeyPreflight");
      expect(preflight?.Action).toEqual(["kms:DescribeKey", "kms:GetKeyRotationStatus"]);
      expect(preflight?.Condition).toEqual({ StringEquals: { "aws:PrincipalAccount": env.platformAccountId, [ENVIRONMENT_TAG]: env.environmentId } });
    }
  });

  it("pin the S3 key to this environment's bucket and object ARNs", () => {
    expect(bucketArnPatterns("aws", env.bucketNamePrefix)).toEqual([
      `arn:aws:s3:::${env.bucketNamePrefix}-*`,
      `arn:aws:s3:::${env.bucketNamePrefix}-*/*`,
    ]);
    const [use, describeKey] = s3KeyStatements(ctx);
    expect(use?.Condition?.StringLike).toEqual({ "kms:EncryptionContext:aws:s3:arn": bucketArnPatterns("aws", env.bucketNamePrefix) });
    expect(describeKey?.Action).toEqual(["kms:DescribeKey"]);
    expect(describeKey?.Condition?.StringLike).toBeUndefined();
  });

  it("paste as a comma-separated list that fits into a key policy's Statement array", () => {
    const statements = rdsKeyStatements(ctx);
    expect(JSON.parse(`[${statementsForPasting(statements)}]`)).toEqual(statements);
  });

  it.each([
    ["a role in another account", { platformRoleArn: "arn:aws:iam::444455556666:role/byok-platform" }],
    ["a user instead of a role", { platformRoleArn: "arn:aws:iam::210987654321:user/byok-platform" }],
    ["a bucket prefix with a wildcard", { bucketNamePrefix: "stratus-*" }],
    ["a bucket prefix with a quote", { bucketNamePrefix: 'stratus-"x' }],
    ["a malformed region", { region: "eu-west-1\n" }],
    ["a malformed platform account", { platformAccountId: "21098765432" }],
    ["the customer account equal to the platform's", { customerAccountId: "210987654321" }],
    ["an unknown partition", { partition: "aws-moon" }],
    ["an environment id with a wildcard", { environmentId: "0f3c6b2e-8d1a-4c5e-9b7f-2a6d8e4c1f9*" }],
    ["an environment id in upper case", { environmentId: "0F3C6B2E-8D1A-4C5E-9B7F-2A6D8E4C1F90" }],
    ["no environment id", { environmentId: "" }],
  ])("refuse %s", (_name, override) => {
    expect(() => keyPolicy("s3", { ...ctx, ...override })).toThrow(InvalidByokValueError);
  });
});
