import { z } from "zod";
import { iamRoleArnPattern } from "@/lib/byok/values";

/**
 * The two ARNs a customer gives for key-use log forwarding: their CloudWatch Logs log group and
 * the IAM role the platform assumes (with the organization's External ID) to write to it. One
 * set of schemas for the form and the server action.
 */

export const LOG_GROUP_ARN_EXAMPLE = "arn:aws:logs:eu-west-1:123456789012:log-group:/byok/key-use";
export const LOG_ROLE_ARN_EXAMPLE = "arn:aws:iam::123456789012:role/byok-key-use-log";

/**
 * `arn:<partition>:logs:<region>:<account>:log-group:<name>`, optionally with the `:*` that the
 * console and DescribeLogGroups' `arn` field add. Names: 1–512 of `[.\-_/#A-Za-z0-9]`
 * (CloudWatch Logs API Reference, "CreateLogGroup"). Groups: 1 partition, 2 region, 3 account, 4 name.
 */
export const logGroupArnPattern =
  /^arn:(aws(?:-[a-z]+)*):logs:([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}):(\d{12}):log-group:([.\-_/#A-Za-z0-9]{1,512})(?::\*)?$/;

export interface ParsedLogGroupArn {
  /** The group's ARN without a trailing `:*`, as IAM's `log-group` resource type names it. */
  arn: string;
  partition: string;
  region: string;
  accountId: string;
  name: string;
}

/** The parts of a log group ARN, or null when it is not one. */
export function parseLogGroupArn(value: string): ParsedLogGroupArn | null {
  const match = logGroupArnPattern.exec(value);
  const [, partition, region, accountId, name] = match ?? [];
  if (partition === undefined || region === undefined || accountId === undefined || name === undefined) return null;
  return { arn: `arn:${partition}:logs:${region}:${accountId}:log-group:${name}`, partition, region, accountId, name };
}

/** The account a role ARN belongs to, or null when it is not a role ARN. */
export function roleAccountId(value: string): string | null {
  return iamRoleArnPattern.exec(value)?.[2] ?? null;
}

const ENTER_GROUP = `Enter the log group's ARN, e.g. ${LOG_GROUP_ARN_EXAMPLE}`;

/** Why a pasted value is not a log group ARN, in the customer's words; null when it is one. */
export function logGroupArnProblem(value: string): string | null {
  if (value === "") return `${ENTER_GROUP}.`;
  if (value.length > 700) return `That is too long for a log group ARN. ${ENTER_GROUP}.`;
  if (parseLogGroupArn(value)) return null;
  if (!value.startsWith("arn:")) return `That is not an ARN. ${ENTER_GROUP} (the log group's page in the CloudWatch console shows it).`;
  const [, partition = "", service = "", region = "", account = "", ...rest] = value.split(":");
  const resource = rest.join(":");
  if (service !== "logs") return `That is an ARN of ${service === "" ? "another service" : service}, not of a CloudWatch Logs log group. ${ENTER_GROUP}.`;
  if (!/^aws(?:-[a-z]+)*$/.test(partition)) return `"${partition}" is not an AWS partition. ${ENTER_GROUP}.`;
  if (!/^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/.test(region)) return `The ARN's Region "${region}" is not an AWS Region code such as eu-west-1. ${ENTER_GROUP}.`;
  if (!/^\d{12}$/.test(account)) return `The ARN's account id must be 12 digits. ${ENTER_GROUP}.`;
  if (resource.includes(":log-stream:")) return `That is a log stream's ARN: give the log group's (the part before ":log-stream:"). ${ENTER_GROUP}.`;
  if (!resource.startsWith("log-group:")) return `That ARN names no log group (it must continue "log-group:<name>"). ${ENTER_GROUP}.`;
  return `A log group name is 1 to 512 letters, digits and . - _ / # only. ${ENTER_GROUP}.`;
}

export const logGroupArnSchema = z
  .string({ error: `${ENTER_GROUP}.` })
  .trim()
  .superRefine((value, ctx) => {
    const problem = logGroupArnProblem(value);
    if (problem !== null) ctx.addIssue({ code: "custom", message: problem });
  });

const ENTER_ROLE = `Enter the log role's ARN, e.g. ${LOG_ROLE_ARN_EXAMPLE}`;

export const logRoleArnSchema = z
  .string({ error: `${ENTER_ROLE}.` })
  .trim()
  .superRefine((value, ctx) => {
    if (value === "") ctx.addIssue({ code: "custom", message: `${ENTER_ROLE}.` });
    else if (value.startsWith("arn:") && value.includes(":sts:")) {
      ctx.addIssue({ code: "custom", message: `That is a role session's ARN: give the role's own ARN (arn:aws:iam::<account>:role/<name>). ${ENTER_ROLE}.` });
    } else if (!iamRoleArnPattern.test(value)) ctx.addIssue({ code: "custom", message: `That is not an IAM role ARN. ${ENTER_ROLE}.` });
  });

/**
 * Both together. A role may only write to a log group of its own account (CloudWatch Logs has
 * no resource policy that lets another account's role call PutLogEvents), so they must match.
 */
export const logForwardingSchema = z
  .object({ logGroupArn: logGroupArnSchema, logRoleArn: logRoleArnSchema })
  .superRefine((value, ctx) => {
    const group = parseLogGroupArn(value.logGroupArn);
    const roleAccount = roleAccountId(value.logRoleArn);
    if (group && roleAccount !== null && roleAccount !== group.accountId) {
      ctx.addIssue({
        code: "custom",
        path: ["logRoleArn"],
        message: `The log role must be in the log group's account (${group.accountId}), not ${roleAccount}: only that account's roles can write to the group.`,
      });
    }
  })
  .transform((value) => ({ logGroupArn: parseLogGroupArn(value.logGroupArn)?.arn ?? value.logGroupArn, logRoleArn: value.logRoleArn }));

export type LogForwardingInput = z.input<typeof logForwardingSchema>;
export type LogForwardingSettings = z.output<typeof logForwardingSchema>;
