/**
 * The principals of the sandbox. The fixed ones are selected by their access key id (the secret
 * access key equals the id; signatures are parsed, not verified). Role sessions made with STS
 * AssumeRole get temporary credentials whose access key id maps back to the session, its role
 * and its session tags (sandbox/services/sts). Customers' own roles live in the sandbox's IAM
 * (sandbox/services/iam).
 */
import type { PolicyDocument } from "../lib/iam/types";

export interface Principal {
  accessKeyId: string;
  /** The ARN AWS reports for the caller (for a role session: the assumed-role ARN). */
  arn: string;
  accountId: string;
  /** For assumed-role sessions: the role's IAM ARN (what `aws:PrincipalArn` holds). */
  roleArn?: string;
  userId: string;
  principalType: "User" | "AssumedRole";
  identityPolicies: PolicyDocument[];
  /** Session tags of a role session (`aws:PrincipalTag/<key>` in every request it makes). */
  sessionTags?: Record<string, string>;
  /** Session tags that pass on to a session this one assumes (role chaining). */
  transitiveTagKeys?: string[];
}

/** An IAM role a caller may assume: who may (the trust policy) and what its sessions may do. */
export interface Role {
  arn: string;
  name: string;
  accountId: string;
  roleId: string;
  trustPolicy: PolicyDocument;
  identityPolicies: PolicyDocument[];
  maxSessionDurationSeconds: number;
}

export const CUSTOMER_ACCOUNT_ID = "123456789012";
export const OTHER_CUSTOMER_ACCOUNT_ID = "444455556666";
export const PLATFORM_ACCOUNT_ID = "210987654321";
export const PLATFORM_ROLE_ARN = `arn:aws:iam::${PLATFORM_ACCOUNT_ID}:role/byok-platform`;
/** The role the portal process runs as (on AWS: its instance or task role); it only assumes PLATFORM_ROLE_ARN. */
export const PORTAL_ROLE_ARN = `arn:aws:iam::${PLATFORM_ACCOUNT_ID}:role/byok-portal`;
/** The session tag that names the environment a platform session acts for. */
export const ENVIRONMENT_TAG_KEY = "byok-environment";

const administratorAccess: PolicyDocument = {
  Version: "2012-10-17",
  Statement: [{ Sid: "AdministratorAccess", Effect: "Allow", Action: "*", Resource: "*" }],
};

/** What the platform role's sessions need: use customer keys, run S3/RDS/CloudFormation, manage its own keys, assume customer roles. */
const platformPolicy: PolicyDocument = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "UseCustomerKeys",
      Effect: "Allow",
      Action: [
        "kms:Encrypt",
        "kms:Decrypt",
        "kms:ReEncrypt*",
        "kms:GenerateDataKey*",
        "kms:DescribeKey",
        "kms:CreateGrant",
        "kms:ListGrants",
        "kms:RevokeGrant",
        "kms:RetireGrant",
        "kms:GetKeyPolicy",
        "kms:GetKeyRotationStatus",
        "kms:ListResourceTags",
        "kms:ListAliases",
        "kms:ListKeys",
      ],
      Resource: "*",
    },
    { Sid: "OwnKeys", Effect: "Allow", Action: "kms:*", Resource: `arn:aws:kms:*:${PLATFORM_ACCOUNT_ID}:*` },
    { Sid: "CreateOwnKeys", Effect: "Allow", Action: ["kms:CreateKey", "kms:CreateAlias"], Resource: "*" },
    { Sid: "Storage", Effect: "Allow", Action: ["s3:*", "rds:*", "cloudformation:*", "sts:GetCallerIdentity"], Resource: "*" },
    // Role mode: the platform assumes the roles customers create for it; each role's trust
    // policy (with its External ID condition) decides whether it may.
    { Sid: "AssumeCustomerRoles", Effect: "Allow", Action: ["sts:AssumeRole", "sts:TagSession"], Resource: "arn:aws:iam::*:role/*" },
  ],
};

/** The portal's base identity may do one thing: open tagged sessions of the platform role. */
const portalPolicy: PolicyDocument = {
  Version: "2012-10-17",
  Statement: [
    { Sid: "OpenPlatformSessions", Effect: "Allow", Action: ["sts:AssumeRole", "sts:TagSession"], Resource: PLATFORM_ROLE_ARN },
    { Sid: "WhoAmI", Effect: "Allow", Action: "sts:GetCallerIdentity", Resource: "*" },
  ],
};

const roles: Role[] = [
  {
    arn: PLATFORM_ROLE_ARN,
    name: "byok-platform",
    accountId: PLATFORM_ACCOUNT_ID,
    roleId: "AROASANDBOXPLATFORM1",
    // The trust policy: only the portal's base identity may open sessions, and only tagged ones
    // (a session without the environment tag could use no customer key anyway).
    trustPolicy: {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "PortalOpensEnvironmentSessions",
          Effect: "Allow",
          Principal: { AWS: PORTAL_ROLE_ARN },
          Action: ["sts:AssumeRole", "sts:TagSession"],
          Resource: "*",
        },
      ],
    },
    identityPolicies: [platformPolicy],
    maxSessionDurationSeconds: 3600,
  },
];

const principals: Principal[] = [
  {
    accessKeyId: "customer",
    arn: `arn:aws:iam::${CUSTOMER_ACCOUNT_ID}:user/customer-admin`,
    accountId: CUSTOMER_ACCOUNT_ID,
    userId: "AIDASANDBOXCUSTOMER01",
    principalType: "User",
    identityPolicies: [administratorAccess],
  },
  {
    accessKeyId: "other-customer",
    arn: `arn:aws:iam::${OTHER_CUSTOMER_ACCOUNT_ID}:user/customer-admin`,
    accountId: OTHER_CUSTOMER_ACCOUNT_ID,
    userId: "AIDASANDBOXOTHERCUST1",
    principalType: "User",
    identityPolicies: [administratorAccess],
  },
  {
    accessKeyId: "platform",
    arn: `arn:aws:sts::${PLATFORM_ACCOUNT_ID}:assumed-role/byok-portal/portal`,
    accountId: PLATFORM_ACCOUNT_ID,
    roleArn: PORTAL_ROLE_ARN,
    userId: "AROASANDBOXPORTAL001:portal",
    principalType: "AssumedRole",
    identityPolicies: [portalPolicy],
  },
];

const byAccessKey = new Map(principals.map((p) => [p.accessKeyId, p]));
const rolesByArn = new Map(roles.map((r) => [r.arn, r]));

/** A fixed principal; role sessions are looked up in the STS state (see `sessionPrincipal`). */
export function principalForAccessKey(accessKeyId: string): Principal | undefined {
  return byAccessKey.get(accessKeyId);
}

export function allPrincipals(): readonly Principal[] {
  return principals;
}

export function roleByArn(arn: string): Role | undefined {
  return rolesByArn.get(arn);
}

/** The principal of a session of `role` named `sessionName`. */
export function rolePrincipal(
  role: Role,
  session: { accessKeyId: string; sessionName: string; tags: Record<string, string>; transitiveTagKeys: string[] },
): Principal {
  return {
    accessKeyId: session.accessKeyId,
    arn: `arn:aws:sts::${role.accountId}:assumed-role/${role.name}/${session.sessionName}`,
    accountId: role.accountId,
    roleArn: role.arn,
    userId: `${role.roleId}:${session.sessionName}`,
    principalType: "AssumedRole",
    identityPolicies: role.identityPolicies,
    sessionTags: session.tags,
    transitiveTagKeys: session.transitiveTagKeys,
  };
}
