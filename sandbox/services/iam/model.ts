/** IAM state: each account's roles (IAM is global, so no region), by lower-cased role name. */
export interface IamRole {
  roleName: string;
  roleId: string;
  arn: string;
  path: string;
  accountId: string;
  createDate: string;
  description?: string;
  maxSessionDuration: number;
  /** The trust policy as the caller sent it (IAM answers with the text it was given, URL-encoded). */
  assumeRolePolicyDocument: string;
  tags: Array<{ Key: string; Value: string }>;
  /** Inline policies by name, in the order they were first put. */
  inlinePolicies: Record<string, string>;
}

export type IamState = Record<string, { roles: Record<string, IamRole> }>;
