import { createValidatedPolicy, validateResourcePolicy } from "@cloud-copilot/iam-policy";
import { allowedContextKeysForRequest, runSimulation, runUnsafeSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { describe, expect, it } from "vitest";
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
 * Policy oracle: the rendered key policies evaluated by an independent IAM policy simulator.
 *
 * The simulator's validating entry point (`runSimulation`) drops context keys it cannot match to
 * the action, and it cannot match the templated `kms:EncryptionContext:<key>` keys, so it would
 * evaluate our bucket condition as if the context were missing. Each case therefore runs twice:
 * `runSimulation` without the encryption context proves every other key is known (none ignored),
 * the encryption-context key is checked against the action's templated keys, and the verdict
 * comes from `runUnsafeSimulation`, which evaluates the full context.
 */

const env = EXAMPLE_ENVIRONMENT;
const ctx = EXAMPLE_POLICY_CONTEXT;

const keyArns = { s3: env.s3KeyArn, rds: env.rdsKeyArn };
const PLATFORM_SESSION = `arn:aws:sts::${env.platformAccountId}:assumed-role/byok-platform/portal`;
const CUSTOMER_ADMIN = `arn:aws:iam::${env.customerAccountId}:role/KeyAdministrator`;
const OTHER_ACCOUNT = "444455556666";
const THIS_BUCKET_OBJECT = `arn:aws:s3:::${env.bucketNamePrefix}-data/tenants/objects/1.json`;
const THIS_BUCKET = `arn:aws:s3:::${env.bucketNamePrefix}-data`;
const OTHER_ENVIRONMENT_OBJECT = "arn:aws:s3:::stratus-9a8b7c6d-1e2f-4a3b-8c4d-5e6f7a8b9c0d-data/objects/1.json";

const allowEverything = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:*", Resource: "*" }] };

type Verdict = "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied";

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

const ENCRYPTION_CONTEXT_PREFIX = "kms:encryptioncontext:";

function platformVia(service: "s3" | "rds", extra: Record<string, string | string[]> = {}) {
  return {
    "kms:ViaService": `${service}.${env.region}.amazonaws.com`,
    "aws:PrincipalAccount": env.platformAccountId,
    "kms:CallerAccount": env.platformAccountId,
    "aws:PrincipalArn": env.platformRoleArn,
    ...extra,
  };
}

const s3Context = (bucketArn: string) => ({
  "kms:EncryptionContext:aws:s3:arn": bucketArn,
  "kms:EncryptionContextKeys": ["aws:s3:arn"],
});

/** `kms:encryptioncontext:${encryptioncontextkey}` matches `kms:encryptioncontext:aws:s3:arn`. */
function matchesTemplatedKey(template: string, key: string): boolean {
  const escape = (text: string) => text.replace(/[.*+?^$()|[\]\\{}]/g, "\\$&");
  return new RegExp(`^${template.split(/\$\{[^}]+\}/).map(escape).join(".+")}$`).test(key);
}

async function verdictOf(testCase: OracleCase): Promise<Verdict> {
  const document = testCase.policy ?? keyPolicy(testCase.key, ctx);
  const resourcePolicy = createValidatedPolicy(document, validateResourcePolicy, { name: `${testCase.key}-key-policy` });
  expect(resourcePolicy.errors).toEqual([]);
  const simulation: Simulation = {
    request: {
      principal: testCase.principal,
      action: testCase.action,
      resource: { resource: keyArns[testCase.key], accountId: env.customerAccountId },
      contextVariables: testCase.context,
    },
    identityPolicies: testCase.identityAllows === false ? [] : [{ name: "caller-identity-policy", policy: allowEverything }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy,
  };

  const encryptionContextKeys = Object.keys(testCase.context).filter((key) => key.toLowerCase().startsWith(ENCRYPTION_CONTEXT_PREFIX));
  const otherContext = Object.fromEntries(Object.entries(testCase.context).filter(([key]) => !encryptionContextKeys.includes(key)));
  const validated = await runSimulation({ ...simulation, request: { ...simulation.request, contextVariables: otherContext } }, {});
  if (validated.resultType !== "single") throw new Error(`Simulation did not run as a single request: ${JSON.stringify(validated)}`);
  expect(validated.result.ignoredContextKeys).toEqual([]);

  const [service = "", actionName = ""] = testCase.action.split(":");
  const templatedKeys = (await allowedContextKeysForRequest(service, actionName, keyArns[testCase.key], false, undefined)).filter((key) =>
    key.includes("${"),
  );
  for (const key of encryptionContextKeys) {
    const known = templatedKeys.some((template) => matchesTemplatedKey(template, key.toLowerCase()));
    expect(known, `${key} is a context key of ${testCase.action}`).toBe(true);
  }

  const verdict = runUnsafeSimulation(simulation, {});
  if (encryptionContextKeys.length === 0) expect(verdict).toBe(validated.overallResult);
  return verdict;
}

const oracleCases: OracleCase[] = [
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
    principal: `arn:aws:sts::${OTHER_ACCOUNT}:assumed-role/byok-platform/portal`,
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
  { name: "platform DescribeKey via S3 on the RDS key → denied", key: "rds", principal: PLATFORM_SESSION, action: "kms:DescribeKey", context: platformVia("s3"), expected: "ImplicitlyDenied" },
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
    context: { "aws:PrincipalAccount": env.platformAccountId, "kms:GrantIsForAWSResource": "true" },
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
  it("has at least 25 cases with both verdicts", () => {
    expect(oracleCases.length).toBeGreaterThanOrEqual(25);
    expect(new Set(oracleCases.map((testCase) => testCase.name)).size).toBe(oracleCases.length);
    expect(oracleCases.some((testCase) => testCase.expected === "Allowed")).toBe(true);
    expect(oracleCases.some((testCase) => testCase.expected !== "Allowed")).toBe(true);
  });

  it.each(oracleCases.map((testCase) => [testCase.name, testCase] as const))("%s", async (_name, testCase) => {
    expect(await verdictOf(testCase)).toBe(testCase.expected);
  });

  it("would notice a misspelled context key (the ignored-keys guard can fail)", async () => {
    const resourcePolicy = createValidatedPolicy(keyPolicy("s3", ctx), validateResourcePolicy, { name: "s3-key-policy" });
    const result = await runSimulation(
      {
        request: {
          principal: PLATFORM_SESSION,
          action: "kms:DescribeKey",
          resource: { resource: keyArns.s3, accountId: env.customerAccountId },
          contextVariables: { "kms:ViaServise": `s3.${env.region}.amazonaws.com`, "aws:PrincipalAccount": env.platformAccountId },
        },
        identityPolicies: [{ name: "caller-identity-policy", policy: allowEverything }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy,
      },
      {},
    );
    expect(result.resultType === "single" && result.result.ignoredContextKeys).toEqual(["kms:ViaServise"]);
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
      expect(statement.Sid).toMatch(/^AllowPlatform(S3|Rds)[A-Za-z]+$/);
      expect(statement.Principal).toEqual({ AWS: env.platformRoleArn });
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
  ])("refuse %s", (_name, override) => {
    expect(() => keyPolicy("s3", { ...ctx, ...override })).toThrow(InvalidByokValueError);
  });
});
