import {
  ENVIRONMENT_TAG_CONDITION_KEY,
  requireAccountId,
  requireBucketNamePrefix,
  requireEnvironmentId,
  requirePartition,
  requirePlatformRoleArn,
  requireRegion,
  InvalidByokValueError,
} from "./values";

/**
 * The key policy statements a customer puts on their two keys so that the platform role may use
 * them through S3 and RDS, and nothing else. The CloudFormation template embeds the very same
 * statements (template.ts calls the builders below with CloudFormation references).
 */

export interface PolicyContext {
  partition: string;
  region: string;
  platformAccountId: string;
  platformRoleArn: string;
  /** The environment the keys are for: the platform's sessions for it carry it as a session tag. */
  environmentId: string;
  /** `<resource prefix>-<environment id>`; the environment's buckets are `<this>-<suffix>`. */
  bucketNamePrefix: string;
  customerAccountId?: string;
}

export type ConditionOperator = "StringEquals" | "StringLike" | "Bool";
export type PolicyCondition = Partial<Record<ConditionOperator, Record<string, string | string[]>>>;

export interface PolicyStatement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Principal: { AWS: string };
  Action: string[];
  Resource: "*";
  Condition?: PolicyCondition;
}

export interface KeyPolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

export type KeyKind = "s3" | "rds";

/** The values the statements are made of, unchecked: real values, or `${…}` references in the template. */
export interface StatementValues {
  partition: string;
  region: string;
  platformAccountId: string;
  platformRoleArn: string;
  environmentId: string;
  bucketNamePrefix: string;
}

export const STATEMENT_IDS = {
  s3Use: "AllowPlatformS3Use",
  s3DescribeKey: "AllowPlatformS3DescribeKey",
  rdsDescribeKey: "AllowPlatformRdsDescribeKey",
  rdsGrants: "AllowPlatformRdsGrants",
  preflight: "AllowPlatformKeyPreflight",
  accountRoot: "Enable IAM User Permissions",
} as const;

/**
 * The ARNs S3 puts into the `aws:s3:arn` encryption context for this environment's buckets:
 * the object ARN, or the bucket ARN when S3 Bucket Keys are enabled.
 */
export function bucketArnPatterns(partition: string, bucketNamePrefix: string): string[] {
  return [`arn:${partition}:s3:::${bucketNamePrefix}-*`, `arn:${partition}:s3:::${bucketNamePrefix}-*/*`];
}

/**
 * Every platform statement holds only for the platform's sessions for this environment: the
 * portal opens them tagged `byok-environment=<environment id>`, so a key made for one
 * environment is useless to the platform while it works for any other environment, whoever
 * pastes the key's ARN there.
 */
function platformForEnvironment(values: StatementValues): Record<string, string> {
  return {
    "aws:PrincipalAccount": values.platformAccountId,
    [ENVIRONMENT_TAG_CONDITION_KEY]: values.environmentId,
  };
}

function viaPlatform(service: "s3" | "rds", values: StatementValues): Record<string, string> {
  return {
    "kms:ViaService": `${service}.${values.region}.amazonaws.com`,
    ...platformForEnvironment(values),
  };
}

/**
 * Read-only and direct (not through S3 or RDS): the portal describes the key and reads its
 * rotation status to check it before anything is made, and later to watch its health.
 */
function preflightStatement(values: StatementValues): PolicyStatement {
  return {
    Sid: STATEMENT_IDS.preflight,
    Effect: "Allow",
    Principal: { AWS: values.platformRoleArn },
    Action: ["kms:DescribeKey", "kms:GetKeyRotationStatus"],
    Resource: "*",
    Condition: { StringEquals: platformForEnvironment(values) },
  };
}

/** @internal Builds the S3 key statements from unchecked values; use `s3KeyStatements`. */
export function buildS3KeyStatements(values: StatementValues): PolicyStatement[] {
  return [
    {
      Sid: STATEMENT_IDS.s3Use,
      Effect: "Allow",
      Principal: { AWS: values.platformRoleArn },
      Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: {
        StringEquals: viaPlatform("s3", values),
        // Pins the key to this environment's buckets as well, so even a session for this
        // environment cannot use it for any other bucket.
        StringLike: { "kms:EncryptionContext:aws:s3:arn": bucketArnPatterns(values.partition, values.bucketNamePrefix) },
      },
    },
    // DescribeKey carries no encryption context, so the bucket condition above would deny it.
    describeKeyStatement(STATEMENT_IDS.s3DescribeKey, "s3", values),
    preflightStatement(values),
  ];
}

/** The platform may describe the key through the service that uses it. */
function describeKeyStatement(sid: string, service: "s3" | "rds", values: StatementValues): PolicyStatement {
  return {
    Sid: sid,
    Effect: "Allow",
    Principal: { AWS: values.platformRoleArn },
    Action: ["kms:DescribeKey"],
    Resource: "*",
    Condition: { StringEquals: viaPlatform(service, values) },
  };
}

/** @internal Builds the Aurora key statements from unchecked values; use `rdsKeyStatements`. */
export function buildRdsKeyStatements(values: StatementValues): PolicyStatement[] {
  return [
    describeKeyStatement(STATEMENT_IDS.rdsDescribeKey, "rds", values),
    {
      // RDS keeps using the key through a grant it creates for the cluster; the flag limits
      // grants to ones made for AWS resources, never to an arbitrary principal.
      Sid: STATEMENT_IDS.rdsGrants,
      Effect: "Allow",
      Principal: { AWS: values.platformRoleArn },
      Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
      Resource: "*",
      Condition: {
        StringEquals: viaPlatform("rds", values),
        Bool: { "kms:GrantIsForAWSResource": "true" },
      },
    },
    preflightStatement(values),
  ];
}

/** @internal The statement AWS puts into every default key policy: the account's IAM policies decide. */
export function buildAccountRootStatement(partition: string, customerAccountId: string): PolicyStatement {
  return {
    Sid: STATEMENT_IDS.accountRoot,
    Effect: "Allow",
    Principal: { AWS: `arn:${partition}:iam::${customerAccountId}:root` },
    Action: ["kms:*"],
    Resource: "*",
  };
}

/** @internal */
export function buildKeyPolicy(kind: KeyKind, values: StatementValues, customerAccountId: string): KeyPolicyDocument {
  const ours = kind === "s3" ? buildS3KeyStatements(values) : buildRdsKeyStatements(values);
  return { Version: "2012-10-17", Statement: [buildAccountRootStatement(values.partition, customerAccountId), ...ours] };
}

/** Validates the context; throws InvalidByokValueError on anything that must not reach a policy. */
export function checkPolicyContext(ctx: PolicyContext): StatementValues & { customerAccountId?: string } {
  const partition = requirePartition(ctx.partition);
  const platformAccountId = requireAccountId(ctx.platformAccountId, "platform account id");
  const values = {
    partition,
    region: requireRegion(ctx.region),
    platformAccountId,
    platformRoleArn: requirePlatformRoleArn(ctx.platformRoleArn, { partition, platformAccountId }),
    environmentId: requireEnvironmentId(ctx.environmentId),
    bucketNamePrefix: requireBucketNamePrefix(ctx.bucketNamePrefix),
  };
  if (ctx.customerAccountId === undefined) return values;
  const customerAccountId = requireAccountId(ctx.customerAccountId, "customer account id");
  if (customerAccountId === platformAccountId) {
    throw new InvalidByokValueError("customer account id", customerAccountId, "an account other than the platform account");
  }
  return { ...values, customerAccountId };
}

/** The statements for the S3 key, every placeholder filled in. */
export function s3KeyStatements(ctx: PolicyContext): PolicyStatement[] {
  return buildS3KeyStatements(checkPolicyContext(ctx));
}

/** The three statements for the Aurora (RDS) key, every placeholder filled in. */
export function rdsKeyStatements(ctx: PolicyContext): PolicyStatement[] {
  return buildRdsKeyStatements(checkPolicyContext(ctx));
}

/** The complete key policy a customer ends up with: AWS's default account statement plus ours. */
export function keyPolicy(kind: KeyKind, ctx: PolicyContext & { customerAccountId: string }): KeyPolicyDocument {
  const values = checkPolicyContext(ctx);
  if (values.customerAccountId === undefined) {
    throw new InvalidByokValueError("customer account id", ctx.customerAccountId, "12 digits");
  }
  return buildKeyPolicy(kind, values, values.customerAccountId);
}

/**
 * Statements as text to append to the `Statement` list of an existing key policy in the
 * console's policy editor: the objects separated by commas, without the surrounding brackets.
 */
export function statementsForPasting(statements: PolicyStatement[]): string {
  return statements.map((statement) => JSON.stringify(statement, null, 2)).join(",\n");
}
