/**
 * The shapes of the values that flow into key policies, the CloudFormation template and the
 * shell commands. Every value that reaches one of those outputs is checked against one of these
 * patterns first; none of them admits whitespace, quotes, `$`, backticks or a leading `-`, so a
 * value can neither break out of a YAML scalar nor out of a shell word, nor pose as an option.
 */

// The pieces the whole-value patterns below and the key ARN pattern are built from (none has a
// top-level `|`, so anchoring needs no group; the template shows some of them verbatim).
const partitionSource = "aws(?:-cn|-us-gov|-iso|-iso-b|-iso-e|-iso-f|-eusc)?";
const regionSource = "[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\\d{1,2}";
const accountIdSource = "\\d{12}";
const uuidKeyIdSource = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const multiRegionKeyIdSource = "mrk-[0-9a-f]{32}";
const whole = (source: string) => new RegExp(`^${source}$`);

export const partitionPattern = whole(partitionSource);

/** AWS Region codes: eu-west-1, us-gov-west-1, cn-north-1, us-iso-east-1, us-isob-east-1 … */
export const regionPattern = whole(regionSource);

export const accountIdPattern = whole(accountIdSource);

/** IAM role names and paths: letters, digits and `+=,.@_-`, paths separated by `/`. */
export const iamRoleArnPattern =
  /^arn:(aws(?:-[a-z]+)*):iam::(\d{12}):role\/(?:[A-Za-z0-9+=,.@_-]+\/)*[A-Za-z0-9+=,.@_-]{1,64}$/;

/** The vendor's resource prefix: it goes into bucket names, alias names and a tag key. */
export const resourcePrefixPattern = /^[a-z][a-z0-9]{1,14}$/;

/**
 * `<resource prefix>-<environment id>`; the environment's buckets are `<this>-<suffix>`. No `*`
 * or `?`, because it is used inside a `StringLike` condition where those are wildcards.
 */
export const bucketNamePrefixPattern = /^[a-z][a-z0-9-]{1,53}[a-z0-9]$/;

/** Assigned by the platform: lower-case letters, digits and inner hyphens, valid in an alias. */
export const tenantNamePattern = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** CloudFormation stack names: a letter, then letters, digits and hyphens, at most 128. */
export const stackNamePattern = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

/** AWS CLI profile names as the user would type them in `~/.aws/config`. */
export const profileNamePattern = /^[A-Za-z0-9_][A-Za-z0-9_.+@-]{0,63}$/;

/** A relative or absolute file path without spaces or shell metacharacters. */
export const templateFilePattern = /^[A-Za-z0-9_./+@][A-Za-z0-9_./+@-]{0,1023}$/;

export const uuidKeyIdPattern = whole(uuidKeyIdSource);

/**
 * The platform's environment ids: lower-case UUIDs. The value of the `byok-environment` session
 * tag every platform statement requires; no wildcard characters, since it also names buckets.
 */
export const environmentIdPattern = whole(uuidKeyIdSource);

/** The session tag the platform's role sessions carry: the id of the environment they act for. */
export const ENVIRONMENT_TAG_KEY = "byok-environment";

/** The condition key that pins a platform statement to one environment's sessions. */
export const ENVIRONMENT_TAG_CONDITION_KEY = `aws:PrincipalTag/${ENVIRONMENT_TAG_KEY}`;
export const multiRegionKeyIdPattern = whole(multiRegionKeyIdSource);

/**
 * A full, lower-case KMS key ARN: `arn:<partition>:kms:<region>:<account>:key/<uuid | mrk-…>`.
 * Groups: 1 partition, 2 region, 3 account id, 4 key id. The one definition of a key ARN;
 * arns.ts explains to the user why an input is not one.
 */
const keyArnSource = `arn:(${partitionSource}):kms:(${regionSource}):(${accountIdSource}):key/(${uuidKeyIdSource}|${multiRegionKeyIdSource})`;
export const keyArnPattern = whole(keyArnSource);

/** The same key ARN found anywhere in a text, e.g. inside an AWS error message. */
export const keyArnInTextPattern = new RegExp(keyArnSource);

/** Thrown when a caller hands the BYOK core a value it must not interpolate. A programming error, not user input. */
export class InvalidByokValueError extends Error {
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly expectation: string,
  ) {
    super(`Invalid ${field} ${JSON.stringify(describeForError(value))}: expected ${expectation}.`);
    this.name = "InvalidByokValueError";
  }
}

function describeForError(value: unknown): unknown {
  return typeof value === "string" && value.length > 80 ? `${value.slice(0, 80)}…` : value;
}

export function requireMatch(field: string, value: unknown, pattern: RegExp, expectation: string): string {
  if (typeof value !== "string" || !pattern.test(value)) {
    throw new InvalidByokValueError(field, value, expectation);
  }
  return value;
}

export const requirePartition = (value: unknown, field = "partition") =>
  requireMatch(field, value, partitionPattern, "an AWS partition such as aws");

export const requireRegion = (value: unknown, field = "region") =>
  requireMatch(field, value, regionPattern, "an AWS Region code such as eu-west-1");

export const requireAccountId = (value: unknown, field = "account id") =>
  requireMatch(field, value, accountIdPattern, "12 digits");

export const requireResourcePrefix = (value: unknown, field = "resource prefix") => {
  const prefix = requireMatch(field, value, resourcePrefixPattern, "2-15 lower-case letters or digits, starting with a letter");
  // Alias names starting with alias/aws and tag keys starting with aws: are reserved by AWS.
  if (prefix.startsWith("aws")) throw new InvalidByokValueError(field, value, "a prefix that does not start with aws (reserved by AWS)");
  return prefix;
};

export const requireEnvironmentId = (value: unknown, field = "environment id") =>
  requireMatch(field, value, environmentIdPattern, "a lower-case UUID such as 0f3c6b2e-8d1a-4c5e-9b7f-2a6d8e4c1f90");

export const requireBucketNamePrefix = (value: unknown, field = "bucket name prefix") =>
  requireMatch(field, value, bucketNamePrefixPattern, "3-55 lower-case letters, digits or hyphens, starting with a letter");

export const requireTenantName = (value: unknown, field = "tenant name") =>
  requireMatch(field, value, tenantNamePattern, "1-63 lower-case letters, digits or inner hyphens");

export type PlatformRoleArnProblem =
  | { problem: "malformed" }
  | { problem: "partition"; partition: string }
  | { problem: "account"; accountId: string };

/**
 * The platform role must be an IAM role in the configured partition and in the platform's own
 * account: it is the only vendor principal in the customer's key policies. Empty when it is.
 */
export function platformRoleArnProblems(
  arn: string,
  expected: { partition: string; platformAccountId: string },
): PlatformRoleArnProblem[] {
  const match = iamRoleArnPattern.exec(arn);
  const partition = match?.[1];
  const accountId = match?.[2];
  if (partition === undefined || accountId === undefined) return [{ problem: "malformed" }];
  return [
    ...(partition === expected.partition ? [] : [{ problem: "partition" as const, partition }]),
    ...(accountId === expected.platformAccountId ? [] : [{ problem: "account" as const, accountId }]),
  ];
}

/** The platform role ARN, which must sit in the platform account and the configured partition. */
export function requirePlatformRoleArn(
  value: unknown,
  expected: { partition: string; platformAccountId: string },
  field = "platform role ARN",
): string {
  const arn = requireMatch(field, value, iamRoleArnPattern, "an IAM role ARN such as arn:aws:iam::210987654321:role/byok-platform");
  const [found] = platformRoleArnProblems(arn, expected);
  if (found?.problem === "partition") {
    throw new InvalidByokValueError(field, value, `a role in partition ${expected.partition}`);
  }
  if (found?.problem === "account") {
    throw new InvalidByokValueError(field, value, `a role in the platform account ${expected.platformAccountId}`);
  }
  return arn;
}

/** `<resource prefix>-<environment id>`, the prefix of every bucket name of one environment. */
export function bucketNamePrefixFor(resourcePrefix: string, environmentId: string): string {
  return requireBucketNamePrefix(`${requireResourcePrefix(resourcePrefix)}-${environmentId.toLowerCase()}`);
}

/** The alias names the template (and the manual commands) give the keys once the tenant name is known. */
export function keyAliasNames(resourcePrefix: string, tenantName: string): { s3: string; rds: string } {
  const prefix = requireResourcePrefix(resourcePrefix);
  const tenant = requireTenantName(tenantName);
  return {
    s3: `alias/${prefix}-objectstorage-byok-${tenant}`,
    rds: `alias/${prefix}-database-byok-${tenant}`,
  };
}

/** The tag key that carries the tenant name on both keys. */
export function tenantTagKey(resourcePrefix: string): string {
  return `${requireResourcePrefix(resourcePrefix)}:automation:TenantName`;
}
