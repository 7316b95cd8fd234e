/**
 * The fixed principals of the sandbox. The access key id selects the principal and the
 * secret access key equals the id (signatures are parsed, not verified).
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
}

export const CUSTOMER_ACCOUNT_ID = "123456789012";
export const OTHER_CUSTOMER_ACCOUNT_ID = "444455556666";
export const PLATFORM_ACCOUNT_ID = "210987654321";
export const PLATFORM_ROLE_ARN = `arn:aws:iam::${PLATFORM_ACCOUNT_ID}:role/byok-platform`;

const administratorAccess: PolicyDocument = {
  Version: "2012-10-17",
  Statement: [{ Sid: "AdministratorAccess", Effect: "Allow", Action: "*", Resource: "*" }],
};

/** What the portal's role needs: use customer keys, run S3/RDS/CloudFormation, manage its own keys. */
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
  ],
};

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
    arn: `arn:aws:sts::${PLATFORM_ACCOUNT_ID}:assumed-role/byok-platform/portal`,
    accountId: PLATFORM_ACCOUNT_ID,
    roleArn: PLATFORM_ROLE_ARN,
    userId: "AROASANDBOXPLATFORM1:portal",
    principalType: "AssumedRole",
    identityPolicies: [platformPolicy],
  },
];

const byAccessKey = new Map(principals.map((p) => [p.accessKeyId, p]));

export function principalForAccessKey(accessKeyId: string): Principal | undefined {
  return byAccessKey.get(accessKeyId);
}

export function allPrincipals(): readonly Principal[] {
  return principals;
}
