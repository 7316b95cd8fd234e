import { ENVIRONMENT_TAG_CONDITION_KEY, requireEnvironmentId, requirePartition, requireRegion } from "@/lib/byok/values";
import type { AuthzPrincipal, AuthzRequest } from "@/lib/iam";
import type { KeyKind } from "@/lib/byok/policies";

/** What the check needs to know of the environment and the vendor's platform. */
export interface PolicyCheckEnvironment {
  environmentId: string;
  region: string;
  partition: string;
  platformAccountId: string;
  platformRoleArn: string;
  /** `<resource prefix>-<environment id>`: the environment's buckets are `<this>-data` and `<this>-logs`. */
  bucketNamePrefix: string;
  /** The key being checked, when known (its account decides who may manage it). */
  keyArn?: string;
}

/** One request the platform makes on the key, exactly as KMS sees it. */
export interface PlatformRequest {
  /** Stable id, e.g. `s3:GenerateDataKey:data`. */
  id: string;
  /** In the customer's words: who asks, for what. */
  description: string;
  /** `null` when the platform calls KMS directly (the preflight). */
  viaService: "s3" | "rds" | null;
  request: AuthzRequest;
}

const BUCKET_SUFFIXES = ["data", "logs"] as const;

/** The platform role's session for this environment, as AWS names it (lib/aws/environment-session.ts). */
export function platformSession(environment: PolicyCheckEnvironment): AuthzPrincipal {
  const roleName = environment.platformRoleArn.split("/").pop() ?? "byok-platform";
  return {
    arn: `arn:${environment.partition}:sts::${environment.platformAccountId}:assumed-role/${roleName}/byok-env-${environment.environmentId}`,
    accountId: environment.platformAccountId,
    roleArn: environment.platformRoleArn,
  };
}

/** A key ARN in the environment's Region for statements with `Resource: "*"` when the real one is not known. */
function keyResource(environment: PolicyCheckEnvironment, kind: KeyKind): string {
  return environment.keyArn ?? `arn:${environment.partition}:kms:${environment.region}:000000000000:key/${kind === "s3" ? "s3" : "rds"}-key`;
}

/**
 * Every request the platform makes on the customer's key for this environment (F4, F9): S3 asks
 * for data keys and decrypts them for each bucket, always with the bucket's ARN as encryption
 * context (S3 Bucket Keys); RDS describes the key and creates and manages its grant; the
 * portal itself describes the key and reads its rotation status (the preflight). All from the
 * platform role's session tagged with this environment.
 */
export function platformRequests(kind: KeyKind, environment: PolicyCheckEnvironment): PlatformRequest[] {
  const region = requireRegion(environment.region);
  const partition = requirePartition(environment.partition);
  const environmentId = requireEnvironmentId(environment.environmentId);
  const principal = platformSession(environment);
  const resource = keyResource(environment, kind);
  const base = {
    "aws:PrincipalAccount": environment.platformAccountId,
    "aws:PrincipalArn": environment.platformRoleArn,
    "kms:CallerAccount": environment.platformAccountId,
    [ENVIRONMENT_TAG_CONDITION_KEY]: environmentId,
  };
  const via = (service: "s3" | "rds") => ({ ...base, "kms:ViaService": `${service}.${region}.amazonaws.com` });
  const make = (id: string, description: string, viaService: "s3" | "rds" | null, action: string, context: Record<string, string | string[]>): PlatformRequest => ({
    id,
    description,
    viaService,
    request: { principal, action, resource, context },
  });

  const preflight = [
    make("preflight:DescribeKey", "The portal checks the key (kms:DescribeKey, called directly)", null, "kms:DescribeKey", base),
    make("preflight:GetKeyRotationStatus", "The portal reads whether rotation is on (kms:GetKeyRotationStatus, called directly)", null, "kms:GetKeyRotationStatus", base),
  ];
  if (kind === "s3") {
    return [
      ...BUCKET_SUFFIXES.flatMap((suffix) => {
        const bucketArn = `arn:${partition}:s3:::${environment.bucketNamePrefix}-${suffix}`;
        const context = { ...via("s3"), "kms:EncryptionContext:aws:s3:arn": bucketArn, "kms:EncryptionContextKeys": ["aws:s3:arn"] };
        return [
          make(`s3:GenerateDataKey:${suffix}`, `S3 asks for a data key to encrypt objects in ${bucketArn} (kms:GenerateDataKey)`, "s3", "kms:GenerateDataKey", context),
          make(`s3:Decrypt:${suffix}`, `S3 decrypts the data key to read objects in ${bucketArn} (kms:Decrypt)`, "s3", "kms:Decrypt", context),
        ];
      }),
      make("s3:DescribeKey", "S3 checks the key when the bucket's default encryption is set (kms:DescribeKey)", "s3", "kms:DescribeKey", via("s3")),
      ...preflight,
    ];
  }
  const grant = { ...via("rds"), "kms:GrantIsForAWSResource": "true" };
  return [
    make("rds:DescribeKey", "RDS checks the key when it creates the database (kms:DescribeKey)", "rds", "kms:DescribeKey", via("rds")),
    make("rds:CreateGrant", "RDS creates the grant that lets the database use the key (kms:CreateGrant)", "rds", "kms:CreateGrant", grant),
    make("rds:ListGrants", "RDS lists its grants on the key (kms:ListGrants)", "rds", "kms:ListGrants", grant),
    make("rds:RevokeGrant", "RDS revokes its grant when the database is deleted (kms:RevokeGrant)", "rds", "kms:RevokeGrant", grant),
    ...preflight,
  ];
}
