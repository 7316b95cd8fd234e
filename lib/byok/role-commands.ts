import { checkKeyArn } from "./arns";
import { endpointLine, formatCommand, profileLine } from "./commands";
import { checkRoleModeValues, requireRoleArn, type RoleModeValues } from "./role-mode";
import { ROLE_KEY_POLICY_NAME, ROLE_TEMPLATE_FILE_NAME, ROLE_TEMPLATE_OUTPUTS, ROLE_TEMPLATE_PARAMETERS } from "./role-template";
import { InvalidByokValueError, requireMatch, requireRegion, stackNamePattern, templateFilePattern } from "./values";

/**
 * The AWS CLI commands role mode shows the customer (F8, issue #15): deploy the role template,
 * print its OnboardingPayload, and check what was created. Like commands.ts, each is a string a
 * POSIX shell runs as-is; every interpolated value is validated first and shell-quoted if needed.
 */

export interface RoleCommandContext extends RoleModeValues {
  /** The environment's Region: the stack, and a key it creates, go there. */
  region: string;
  /** Default: `roleStackNameFor(tenant)`. */
  stackName?: string;
  /** Default: `byok-role.yaml`, the name the portal's download uses. */
  templateFile?: string;
  /** The named AWS CLI profile the user adapts; `null` leaves `--profile` out. Default `byok`. */
  profile?: string | null;
  /** As in commands.ts: the sandbox's URL when the customer's CLI must call it; unset for AWS itself. */
  endpointUrl?: string;
}

/** The session name the validation commands use, so the attempt is recognisable in CloudTrail. */
export const VALIDATION_SESSION_NAME = "byok-validate";

/** The query that prints the OnboardingPayload output alone (JMESPath, backticks for a literal). */
export const ROLE_ONBOARDING_PAYLOAD_QUERY = `Stacks[0].Outputs[?OutputKey==\`${ROLE_TEMPLATE_OUTPUTS.onboardingPayload}\`].OutputValue`;

/** The stack name the portal suggests for an organization's role. */
export function roleStackNameFor(tenant: string): string {
  return requireMatch("stack name", `byok-role-${tenant}`, stackNamePattern, "a valid stack name (from a valid tenant)");
}

function checkedStackName(ctx: RoleCommandContext, values: RoleModeValues): string {
  if (ctx.stackName === undefined) return roleStackNameFor(values.tenant);
  return requireMatch("stack name", ctx.stackName, stackNamePattern, "a CloudFormation stack name (a letter, then letters, digits, hyphens)");
}

function checkedTemplateFile(ctx: RoleCommandContext): string {
  return requireMatch("template file", ctx.templateFile ?? ROLE_TEMPLATE_FILE_NAME, templateFilePattern, "a file path without spaces or shell characters");
}

/** A key ARN the customer gave: a key in the environment's partition and Region, not one of the platform's. */
function checkedKeyArn(ctx: RoleCommandContext, values: RoleModeValues, keyArn: string): string {
  const check = checkKeyArn(keyArn, { partition: values.partition, region: requireRegion(ctx.region), platformAccountId: values.platformAccountId });
  if (!check.ok) throw new InvalidByokValueError("key ARN", keyArn, check.message);
  return check.arn;
}

function deploy(ctx: RoleCommandContext, keyArnValue: string): string {
  const values = checkRoleModeValues(ctx);
  const region = requireRegion(ctx.region);
  return formatCommand(
    ["aws", "cloudformation", "deploy"],
    [
      ...profileLine(ctx),
      ["--template-file", checkedTemplateFile(ctx)],
      ["--stack-name", checkedStackName(ctx, values)],
      // The role gets a fixed name (so the portal can name it in messages): CloudFormation needs NAMED_IAM for that.
      ["--capabilities", "CAPABILITY_NAMED_IAM"],
      ["--parameter-overrides"],
      { nested: [`${ROLE_TEMPLATE_PARAMETERS.existingKeyArn}=${keyArnValue}`] },
      ["--region", region],
      ...endpointLine(ctx),
    ],
  );
}

/**
 * Deploys the role and creates a new key with it. `ExistingKeyArn=` is spelled out although it is the
 * default: on an existing stack, `aws cloudformation deploy` keeps the previous value of every
 * parameter not given, which would silently keep a key passed before.
 */
export function deployRoleCreatingKeyCommand(ctx: RoleCommandContext): string {
  return deploy(ctx, "");
}

/** Deploys the role for a key the customer already has (in the environment's Region). */
export function deployRoleWithExistingKeyCommand(ctx: RoleCommandContext & { keyArn: string }): string {
  return deploy(ctx, checkedKeyArn(ctx, checkRoleModeValues(ctx), ctx.keyArn));
}

/** Prints the onboarding payload (role ARN and key ARN as JSON) once the stack is complete. */
export function describeRoleStackCommand(ctx: RoleCommandContext): string {
  const values = checkRoleModeValues(ctx);
  const region = requireRegion(ctx.region);
  const head = formatCommand(
    ["aws", "cloudformation", "describe-stacks"],
    [...profileLine(ctx), ["--region", region], ...endpointLine(ctx), ["--stack-name", checkedStackName(ctx, values)]],
  );
  // The query holds brackets, `?` and backticks: double quotes with escaped backticks, as in AWS's own docs.
  const query = `"${ROLE_ONBOARDING_PAYLOAD_QUERY.replaceAll("`", "\\`")}"`;
  return `${head} \\\n  --query ${query} \\\n  --output text`;
}

export interface RoleValidationCommands {
  /** The role's trust policy: the platform role, `sts:ExternalId` equal to the organization's External ID. */
  getRole: string;
  /** The role's permissions policy: the two key uses with the tenant's encryption context, and the two reads, on one key. */
  getRolePolicy: string;
  /** The key: enabled, symmetric, for encryption, in the environment's Region. */
  describeKey: string;
}

/**
 * The optional checks the customer can run (the seed's step 4). The seed also suggests
 * `aws sts assume-role`; run by the customer that is refused, as it should be: the trust policy
 * names only the platform's role, so nobody in the customer's own account may assume it, not
 * even an administrator (see `assumeRoleRefusalCheck`). These read what was created instead.
 * `roleArn` and `keyArn` are the values of the onboarding payload.
 */
export function roleValidationCommands(ctx: RoleCommandContext & { roleArn: string; keyArn: string }): RoleValidationCommands {
  const values = checkRoleModeValues(ctx);
  const region = requireRegion(ctx.region);
  const roleName = roleNameOf(ctx.roleArn);
  const keyArn = checkedKeyArn(ctx, values, ctx.keyArn);
  const profile = profileLine(ctx);
  const endpoint = endpointLine(ctx);
  return {
    getRole: formatCommand(
      ["aws", "iam", "get-role"],
      [...profile, ["--role-name", roleName], ["--query", "Role.AssumeRolePolicyDocument"], ["--output", "json"], ...endpoint],
    ),
    getRolePolicy: formatCommand(
      ["aws", "iam", "get-role-policy"],
      [...profile, ["--role-name", roleName], ["--policy-name", ROLE_KEY_POLICY_NAME], ["--query", "PolicyDocument"], ["--output", "json"], ...endpoint],
    ),
    describeKey: formatCommand(["aws", "kms", "describe-key"], [...profile, ["--key-id", keyArn], ["--region", region], ...endpoint]),
  };
}

/** Text for the portal next to the validation commands: why there is no assume-role among them. */
export const ASSUME_ROLE_REFUSAL_NOTE =
  "You cannot test the role by assuming it yourself: its trust policy lets only our platform's role assume it, and only with your External ID, " +
  "so aws sts assume-role from your own account is refused with AccessDenied, which is the point. " +
  "The commands above show the trust policy, the permissions policy and the key instead; the portal assumes the role itself when you paste the ARNs.";

/**
 * The seed's `aws sts assume-role`, with the External ID, for a customer who wants to see the
 * refusal: run with their own credentials it must fail with AccessDenied. If it succeeds, the
 * trust policy lets more than the platform in and must be fixed.
 */
export function assumeRoleRefusalCheck(ctx: RoleCommandContext & { roleArn: string }): string {
  const values = checkRoleModeValues(ctx);
  const roleArn = requireRoleArn(ctx.roleArn);
  return formatCommand(
    ["aws", "sts", "assume-role"],
    [...profileLine(ctx), ["--role-arn", roleArn], ["--role-session-name", VALIDATION_SESSION_NAME], ["--external-id", values.externalId], ...endpointLine(ctx)],
  );
}

/** `arn:aws:iam::123456789012:role/path/name` → `name` (what the IAM commands take). */
function roleNameOf(roleArn: string): string {
  const arn = requireRoleArn(roleArn);
  return arn.slice(arn.lastIndexOf("/") + 1);
}
