import { roleTrustPolicy, type IamPolicyDocument, type RoleModeValues } from "@/lib/byok/role-mode";
import { InvalidByokValueError, requireEnvironmentId } from "@/lib/byok/values";
import { parseLogGroupArn } from "./arns";

/**
 * The documents of the customer's log role: the platform role may assume it only with the
 * organization's External ID (role mode's own trust policy), and it may create log streams and
 * put events in one log group, nothing else — not read them, not touch another group.
 */

/** Both actions are authorized on the stream's ARN (Service Authorization Reference, CloudWatch Logs: resource type log-stream). */
export const LOG_ROLE_ACTIONS = ["logs:CreateLogStream", "logs:PutLogEvents"] as const;
export const LOG_ROLE_STATEMENT_ID = "ForwardKeyUseEvents";

export interface LogRolePermissionsPolicy {
  Version: "2012-10-17";
  Statement: Array<{ Sid: string; Effect: "Allow"; Action: string[]; Resource: string[] }>;
}

/** The stream the platform writes one environment's events to. */
export function keyUseLogStreamName(environmentId: string): string {
  return `byok-${requireEnvironmentId(environmentId)}`;
}

function requireLogGroupArn(value: unknown): string {
  const group = typeof value === "string" ? parseLogGroupArn(value) : null;
  if (!group) throw new InvalidByokValueError("log group ARN", value, "a CloudWatch Logs log group ARN");
  return group.arn;
}

/** The log role's permissions policy, for a validated log group ARN (with or without `:*`). */
export function logRolePermissionsPolicy(input: { logGroupArn: string }): LogRolePermissionsPolicy {
  const group = requireLogGroupArn(input.logGroupArn);
  return {
    Version: "2012-10-17",
    Statement: [{ Sid: LOG_ROLE_STATEMENT_ID, Effect: "Allow", Action: [...LOG_ROLE_ACTIONS], Resource: [group, `${group}:log-stream:*`] }],
  };
}

/** The log role's trust policy: the same as role mode's key role (the platform role, with the External ID). */
export function logRoleTrustPolicy(values: RoleModeValues): IamPolicyDocument {
  return roleTrustPolicy(values);
}

/** Both documents, as the setup instructions show them. */
export function logRoleDocuments(values: RoleModeValues & { logGroupArn: string }): { trustPolicy: IamPolicyDocument; permissionsPolicy: LogRolePermissionsPolicy } {
  return { trustPolicy: logRoleTrustPolicy(values), permissionsPolicy: logRolePermissionsPolicy(values) };
}
