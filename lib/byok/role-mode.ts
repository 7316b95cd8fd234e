import { randomBytes } from "node:crypto";
import type { PolicyCondition, PolicyStatement } from "./policies";
import {
  iamRoleArnPattern,
  keyArnPattern,
  requireAccountId,
  requireMatch,
  requirePartition,
  requirePlatformRoleArn,
  tenantNamePattern,
} from "./values";

/**
 * Role mode (F8, `role-and-external-id-byok.txt`): instead of naming the platform in a key
 * policy, the customer creates an IAM role in their own account that trusts the platform role
 * only with their organization's External ID, gives that role use of one key and nothing else,
 * and hands the platform the role's ARN and the key's ARN. The platform assumes the role
 * (`sts:AssumeRole` with the External ID) and uses the key as that role.
 *
 * These are the documents the customer applies; every value in them is validated first, so
 * nothing from outside can reach a policy unchecked.
 */

/** A statement of a trust or identity policy (no Principal in the latter, no Resource in the former). */
export interface IamStatement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Principal?: { AWS: string };
  Action: string[];
  Resource?: string;
  Condition?: PolicyCondition;
}

export interface IamPolicyDocument {
  Version: "2012-10-17";
  Statement: IamStatement[];
}

/** AWS's rules for an External ID: 2–1,224 characters of `[\w+=,.@:/-]`. Ours are `byok-` and 24 base64url characters (144 random bits). */
export const externalIdPattern = /^byok-[A-Za-z0-9_-]{24}$/;

/** A fresh External ID for an organization: unguessable, issued once and never changed. */
export function newExternalId(): string {
  return `byok-${randomBytes(18).toString("base64url")}`;
}

/** What the role may do with the key, and nothing more. */
export const ROLE_KEY_USE_ACTIONS = ["kms:GenerateDataKey", "kms:Decrypt"] as const;
export const ROLE_KEY_READ_ACTIONS = ["kms:DescribeKey", "kms:GetKeyRotationStatus"] as const;

/** The encryption-context key every platform use of the key carries (its value: the tenant). */
export const TENANT_CONTEXT_KEY = "tenant";

export const ROLE_STATEMENT_IDS = {
  trust: "AllowPlatformWithExternalId",
  use: "UseKeyForTenant",
  read: "ReadKeyState",
  keyPolicyUse: "AllowTenantRoleUse",
  keyPolicyRead: "AllowTenantRoleRead",
} as const;

export interface RoleModeValues {
  partition: string;
  platformAccountId: string;
  /** The principal the customer's trust policy names. */
  platformRoleArn: string;
  externalId: string;
  /** The organization's tenant identifier (its slug): the encryption context names it. */
  tenant: string;
}

/** Validates the values every role-mode document is built from; throws InvalidByokValueError. */
export function checkRoleModeValues(values: RoleModeValues): RoleModeValues {
  const partition = requirePartition(values.partition);
  const platformAccountId = requireAccountId(values.platformAccountId, "platform account id");
  return {
    partition,
    platformAccountId,
    platformRoleArn: requirePlatformRoleArn(values.platformRoleArn, { partition, platformAccountId }),
    externalId: requireMatch("External ID", values.externalId, externalIdPattern, "an External ID issued by the portal"),
    tenant: requireMatch("tenant", values.tenant, tenantNamePattern, "a tenant identifier (lower-case letters, digits and hyphens)"),
  };
}

export const requireKeyArn = (value: unknown) => requireMatch("key ARN", value, keyArnPattern, "a KMS key ARN");
export const requireRoleArn = (value: unknown) => requireMatch("role ARN", value, iamRoleArnPattern, "an IAM role ARN");

/**
 * The role's trust policy: only the platform role may assume it, only with this organization's
 * External ID. `sts:TagSession`: the platform's sessions carry the environment's id as a
 * transitive tag, which AWS passes on to the role's session.
 */
export function roleTrustPolicy(input: RoleModeValues): IamPolicyDocument {
  const values = checkRoleModeValues(input);
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: ROLE_STATEMENT_IDS.trust,
        Effect: "Allow",
        Principal: { AWS: values.platformRoleArn },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: { StringEquals: { "sts:ExternalId": values.externalId } },
      },
    ],
  };
}

/**
 * The role's permissions policy: data keys and decryption on this one key, only with the
 * tenant's encryption context; reading the key's state and rotation (which carry no context).
 */
export function rolePermissionsPolicy(input: RoleModeValues & { keyArn: string }): IamPolicyDocument {
  const values = checkRoleModeValues(input);
  const keyArn = requireKeyArn(input.keyArn);
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: ROLE_STATEMENT_IDS.use,
        Effect: "Allow",
        Action: [...ROLE_KEY_USE_ACTIONS],
        Resource: keyArn,
        Condition: { StringEquals: { [`kms:EncryptionContext:${TENANT_CONTEXT_KEY}`]: values.tenant } },
      },
      { Sid: ROLE_STATEMENT_IDS.read, Effect: "Allow", Action: [...ROLE_KEY_READ_ACTIONS], Resource: keyArn },
    ],
  };
}

/**
 * The key-policy statements that let the role use the key. A key whose policy keeps AWS's
 * default statement ("Enable IAM User Permissions") needs none of this: the role's own
 * permissions policy is enough in the key's account. Without that statement, these are needed.
 */
export function roleKeyPolicyStatements(input: RoleModeValues & { roleArn: string }): PolicyStatement[] {
  const values = checkRoleModeValues(input);
  const roleArn = requireRoleArn(input.roleArn);
  return [
    {
      Sid: ROLE_STATEMENT_IDS.keyPolicyUse,
      Effect: "Allow",
      Principal: { AWS: roleArn },
      Action: [...ROLE_KEY_USE_ACTIONS],
      Resource: "*",
      Condition: { StringEquals: { [`kms:EncryptionContext:${TENANT_CONTEXT_KEY}`]: values.tenant } },
    },
    { Sid: ROLE_STATEMENT_IDS.keyPolicyRead, Effect: "Allow", Principal: { AWS: roleArn }, Action: [...ROLE_KEY_READ_ACTIONS], Resource: "*" },
  ];
}
