/**
 * The roles a caller may assume: the platform's fixed ones (sandbox/identities.ts) and the
 * ones customers create with IAM in their own accounts. A customer role's sessions act with the
 * role's inline policies as their identity policies, read afresh on every call, so a changed or
 * deleted inline policy applies to sessions already issued, as it does on AWS.
 */
import type { PolicyDocument } from "../../../lib/iam/types";
import { policyDocumentSchema } from "../../../lib/iam/types";
import { PORTAL_ROLE_ARN, type Role, allPrincipals, roleByArn } from "../../identities";
import type { World } from "../../world";
import type { IamRole } from "./model";

export const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[\u0021-\u007e]*\/)?([\w+=,.@-]{1,64})$/;

export function rolesOf(world: World, accountId: string): Record<string, IamRole> {
  const account = (world.state.iam[accountId] ??= { roles: {} });
  return account.roles;
}

/** A customer role by ARN; the path is part of the ARN, so it must match too. */
export function iamRoleByArn(world: World, arn: string): IamRole | undefined {
  const m = ROLE_ARN.exec(arn);
  if (!m) return undefined;
  const role = world.state.iam[m[1] ?? ""]?.roles[(m[2] ?? "").toLowerCase()];
  return role && role.arn === arn ? role : undefined;
}

/** Inline policies were validated when put; one that no longer parses grants nothing. */
function parsedPolicy(text: string): PolicyDocument | undefined {
  try {
    const parsed = policyDocumentSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function roleOf(role: IamRole): Role {
  return {
    arn: role.arn,
    name: role.roleName,
    accountId: role.accountId,
    roleId: role.roleId,
    trustPolicy: parsedPolicy(role.assumeRolePolicyDocument) ?? { Version: "2012-10-17", Statement: [] },
    identityPolicies: Object.values(role.inlinePolicies).flatMap((text) => parsedPolicy(text) ?? []),
    maxSessionDurationSeconds: role.maxSessionDuration,
  };
}

/** A role the platform defines, or one a customer created with IAM. */
export function findRole(world: World, arn: string): Role | undefined {
  const fixed = roleByArn(arn);
  if (fixed) return fixed;
  const role = iamRoleByArn(world, arn);
  return role && roleOf(role);
}

/**
 * Whether an IAM ARN names a principal that exists: a trust policy naming a user or role that
 * does not exist is refused as "Invalid principal in policy" (IAM User Guide, "AWS JSON policy
 * elements: Principal").
 */
export function principalExists(world: World, arn: string): boolean {
  if (arn === PORTAL_ROLE_ARN || findRole(world, arn)) return true;
  return allPrincipals().some((p) => p.arn === arn || p.roleArn === arn);
}
