import { isTransientAwsError, normalizeAwsError } from "@/lib/aws/errors";
import type { ParsedLogGroupArn } from "./arns";

/**
 * A failed forwarding attempt in the customer's words, derived from AWS's error code and
 * message: what is wrong on their side and what to change, or that the platform will try again.
 * Never a stack trace or the platform's internals.
 */

const SESSION_CODES = new Set(["UnrecognizedClientException", "ExpiredTokenException", "InvalidClientTokenId"]);

export function awsErrorParts(error: unknown): { code: string; message: string; transient: boolean } {
  // The service name only shapes the texts of network errors, which are not shown.
  const info = normalizeAwsError(error, "sts");
  return { code: info.code, message: info.message, transient: isTransientAwsError(info) };
}

/** AWS no longer accepts the role session (the role was deleted or changed): a new one is needed. */
export function isStaleSessionError(error: unknown): boolean {
  return SESSION_CODES.has(awsErrorParts(error).code);
}

/** Why AssumeRole of the log role failed. */
export function assumeFailureMessage(error: unknown, roleArn: string): string {
  const { code, message, transient } = awsErrorParts(error);
  if (transient) return `AWS STS did not answer when the platform tried to assume the log role (${code}); it will try again.`;
  if (message.includes("sts:TagSession") && message.includes(roleArn)) {
    return `The log role ${roleArn} does not let the platform pass its session tag: its trust policy must allow sts:TagSession as well as sts:AssumeRole.`;
  }
  if (code === "AccessDenied" && message.includes(roleArn)) {
    return `The platform could not assume the log role ${roleArn} with your External ID: check that the role exists and that its trust policy names the platform role with your External ID.`;
  }
  // Refused on the platform's own role (its environment session), which names no customer role.
  if (code === "AccessDenied") return "The platform could not open its own session for this environment; it will try again.";
  return `The platform could not assume the log role ${roleArn} (${code}); it will try again.`;
}

/** Why a CloudWatch Logs call as the log role failed. */
export function logsFailureMessage(error: unknown, group: ParsedLogGroupArn, roleArn: string): string {
  const { code, message, transient } = awsErrorParts(error);
  if (transient) return `CloudWatch Logs did not answer in time (${code}); the platform will try again.`;
  if (code === "ResourceNotFoundException" && /log group/i.test(message)) {
    return `The log group ${group.arn} does not exist: create it in ${group.region} of account ${group.accountId}, or change the log group ARN.`;
  }
  if (code === "AccessDeniedException") {
    const action = /perform: (logs:[A-Za-z]+)/.exec(message)?.[1];
    if (action) return `The log role may not write to the log group: its policy lacks ${action} on ${group.arn}.`;
    if (/kms/i.test(message)) return `The log group ${group.arn} is encrypted with a KMS key that CloudWatch Logs may not use: check the key's policy.`;
    return `The log role ${roleArn} may not write to the log group ${group.arn}: check its permissions policy.`;
  }
  if (SESSION_CODES.has(code)) {
    return `AWS no longer accepts the log role's session (${code}), e.g. because the role ${roleArn} was deleted or changed; the platform will open a new one.`;
  }
  if (code === "InvalidParameterException") return `CloudWatch Logs refused the events: ${message.slice(0, 300)}`;
  return `CloudWatch Logs refused the events (${code}).`;
}
