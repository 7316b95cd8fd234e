import { z } from "zod";
import { keyArnSchema, readPayloadFields, type KeyArnContext } from "./arns";
import { iamRoleArnPattern } from "./values";

/**
 * Role mode's key-ARN step (F8): the ARN of the customer's IAM role and of the one KMS key the
 * role may use, or the role template's onboarding payload holding both. One set of schemas for
 * the browser form and the server action.
 */

const EXAMPLE_ROLE = "arn:aws:iam::111122223333:role/byok-access";

export type RoleArnCheck = { ok: true; arn: string; accountId: string } | { ok: false; message: string };

/** One pasted role ARN, with a message for each way it can be wrong. */
export function checkRoleArn(input: unknown, ctx: KeyArnContext): RoleArnCheck {
  if (typeof input !== "string" || input.trim() === "") return { ok: false, message: `Enter the ARN of the IAM role you created, for example ${EXAMPLE_ROLE}.` };
  const value = input.trim();
  if (value.length > 2048) return { ok: false, message: "This is far longer than an IAM role ARN. Paste only the role's ARN." };
  if (/\s/.test(value)) return { ok: false, message: "A role ARN has no spaces or line breaks. Copy it again from the IAM console or the describe-stacks output." };
  if (/^["'“”‘’]|["'“”‘’]$/.test(value)) return { ok: false, message: "Remove the quotation marks around the role ARN." };
  if (!value.startsWith("arn:")) {
    if (/^[A-Za-z0-9+=,.@_-]{1,64}$/.test(value)) {
      return { ok: false, message: `This looks like a role name. Enter the role's full ARN, like arn:${ctx.partition}:iam::<your account id>:role/${value}.` };
    }
    return { ok: false, message: `This is not a role ARN. A role ARN looks like ${EXAMPLE_ROLE}.` };
  }
  if (/^arn:[^:]*:sts::/.test(value)) {
    return { ok: false, message: "This is the ARN of a role session (arn:…:sts::…:assumed-role/…), not of the role. Enter the role's ARN, arn:…:iam::<account>:role/<name>." };
  }
  if (/^arn:[^:]*:kms:/.test(value)) return { ok: false, message: "This is a KMS key ARN. Put it in the Key ARN field; here goes the ARN of the IAM role." };
  const match = iamRoleArnPattern.exec(value);
  if (!match) return { ok: false, message: `This is not a valid IAM role ARN. A role ARN looks like ${EXAMPLE_ROLE}.` };
  const [, partition, accountId] = match;
  if (partition !== ctx.partition) return { ok: false, message: `This role is in the ${partition ?? "?"} partition; this environment is in ${ctx.partition}. Use a role of an account in ${ctx.partition}.` };
  if (accountId === ctx.platformAccountId) {
    return { ok: false, message: `This role is in the platform's own account (${ctx.platformAccountId}). Enter the role you created in your AWS account.` };
  }
  return { ok: true, arn: value, accountId: accountId ?? "" };
}

export function roleArnSchema(ctx: KeyArnContext) {
  return z.string({ error: `Enter the ARN of the IAM role you created, for example ${EXAMPLE_ROLE}.` }).transform((value, refinement) => {
    const check = checkRoleArn(value, ctx);
    if (!check.ok) {
      refinement.addIssue({ code: "custom", message: check.message });
      return z.NEVER;
    }
    return check.arn;
  });
}

export const ROLE_KEY_NOT_IN_ROLE_ACCOUNT_MESSAGE =
  "The key and the role are in different AWS accounts. Role mode needs the key in the role's own account: create the role in the key's account (or use the template, which does).";

/** The role ARN and the key ARN of a role-mode environment; the key must be in the role's account. */
export function roleKeySchema(ctx: KeyArnContext) {
  return z
    .object({ roleArn: roleArnSchema(ctx), keyArn: keyArnSchema(ctx) })
    .superRefine((value, refinement) => {
      const roleAccount = iamRoleArnPattern.exec(value.roleArn)?.[2];
      const keyAccount = value.keyArn.split(":")[4];
      if (roleAccount !== keyAccount) refinement.addIssue({ code: "custom", path: ["keyArn"], message: ROLE_KEY_NOT_IN_ROLE_ACCOUNT_MESSAGE });
    });
}

export type RoleKeyInput = z.infer<ReturnType<typeof roleKeySchema>>;

/** The fields of the role template's OnboardingPayload output (lib/byok/role-template.ts renders it). */
export const ROLE_PAYLOAD_FIELDS = { roleArn: "roleArn", keyArn: "keyArn" } as const;
const ROLE_PAYLOAD_SHAPE = `{"${ROLE_PAYLOAD_FIELDS.roleArn}":"arn:…","${ROLE_PAYLOAD_FIELDS.keyArn}":"arn:…"}`;

export type RolePayloadResult = { ok: true; roleArn: string; keyArn: string } | { ok: false; message: string };

/** The role template's payload as pasted → the two ARNs as found in it (checked afterwards). */
export function parseRolePayload(text: string): RolePayloadResult {
  const read = readPayloadFields(text, [ROLE_PAYLOAD_FIELDS.roleArn, ROLE_PAYLOAD_FIELDS.keyArn], {
    shape: ROLE_PAYLOAD_SHAPE,
    singleArnHint: "Paste it into the Role ARN or Key ARN field",
    valueNoun: "an ARN",
  });
  if (!read.ok) return read;
  return { ok: true, roleArn: read.fields[ROLE_PAYLOAD_FIELDS.roleArn], keyArn: read.fields[ROLE_PAYLOAD_FIELDS.keyArn] };
}
