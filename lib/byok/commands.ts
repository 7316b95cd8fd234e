import { checkKeyArn } from "./arns";
import { TEMPLATE_FILE_NAME, TEMPLATE_OUTPUTS, templateParameterValues } from "./template";
import {
  InvalidByokValueError,
  keyAliasNames,
  profileNamePattern,
  requireBucketNamePrefix,
  requireMatch,
  requireRegion,
  requireTenantName,
  stackNamePattern,
  templateFilePattern,
  tenantTagKey,
} from "./values";

/**
 * The AWS CLI commands the customer copies from the portal. Each is a string a POSIX shell runs
 * as-is: every interpolated value is validated first and shell-quoted if it needs it (none of the
 * accepted values do, which is the point of validating them).
 */

export interface CommandContext {
  region: string;
  platformRoleArn: string;
  platformAccountId: string;
  environmentId: string;
  bucketNamePrefix: string;
  stackName: string;
  templateFile?: string;
  /** The named AWS CLI profile the user adapts; `null` leaves `--profile` out. Default `byok`. */
  profile?: string | null;
  tenantName?: string;
  resourcePrefix: string;
  partition: string;
  /**
   * Where the customer's AWS CLI sends its calls when that is not AWS itself: the sandbox's URL
   * as the customer's shell reaches it. Unset (real AWS): no `--endpoint-url`, and every command
   * stays exactly as before.
   */
  endpointUrl?: string;
}

export const DEFAULT_PROFILE = "byok";

/**
 * An endpoint URL that is one shell word needing no quotes: http or https, a host name or IPv4
 * address, an optional port and an optional path of unreserved characters. No user info, query
 * or fragment (nothing a shell or the CLI could read as something else), no IPv6 literal (its
 * brackets are shell glob characters).
 */
export const cliEndpointUrlPattern = /^https?:\/\/[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::\d{1,5})?(?:\/[A-Za-z0-9._\/-]*)?$/;

/** Validates an endpoint URL for a displayed command; throws InvalidByokValueError. */
export function requireCliEndpointUrl(value: unknown): string {
  return requireMatch("endpoint URL", value, cliEndpointUrlPattern, "an http(s) URL such as http://127.0.0.1:4566 (a host, an optional port and path, nothing else)");
}

/**
 * The words every displayed command carries when the CLI must call somewhere other than AWS:
 * `--endpoint-url <url>`, right after `--region`; none when `endpointUrl` is unset. The AWS
 * CLI v1 ignores the AWS_ENDPOINT_URL variable, so only the option makes a pasted command reach
 * the sandbox.
 */
export function cliEndpointWords(endpointUrl: string | undefined): string[] {
  return endpointUrl === undefined ? [] : ["--endpoint-url", requireCliEndpointUrl(endpointUrl)];
}

/** The query that prints the OnboardingPayload output alone (JMESPath, backticks for a literal). */
export const ONBOARDING_PAYLOAD_QUERY = `Stacks[0].Outputs[?OutputKey==\`${TEMPLATE_OUTPUTS.onboardingPayload}\`].OutputValue`;

/** The stack name the portal suggests for an environment's keys. */
export function stackNameFor(bucketNamePrefix: string): string {
  return requireMatch("stack name", `${requireBucketNamePrefix(bucketNamePrefix)}-byok-keys`, stackNamePattern, "a valid stack name");
}

const SAFE_WORD = /^[A-Za-z0-9_.\/:=@+,%-]+$/;

/** Quotes a word for a POSIX shell, unless it consists only of characters no shell interprets. */
export function shellQuote(word: string): string {
  if (SAFE_WORD.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

export type CommandLine = readonly string[];
/** A line indented one level deeper, for the values under `--parameter-overrides`. */
export type NestedLine = { nested: CommandLine };

/** `aws <service> <operation>`, then one option per line with ` \` continuations. */
export function formatCommand(head: CommandLine, lines: readonly (CommandLine | NestedLine)[]): string {
  const render = (words: CommandLine) => words.map(shellQuote).join(" ");
  const body = lines.map((line) => ("nested" in line ? `    ${render(line.nested)}` : `  ${render(line)}`));
  return [render(head), ...body].join(" \\\n");
}

export function profileLine(ctx: Pick<CommandContext, "profile">): CommandLine[] {
  if (ctx.profile === null) return [];
  const profile = requireMatch("profile", ctx.profile ?? DEFAULT_PROFILE, profileNamePattern, "an AWS CLI profile name");
  return [["--profile", profile]];
}

export function endpointLine(ctx: Pick<CommandContext, "endpointUrl">): CommandLine[] {
  const words = cliEndpointWords(ctx.endpointUrl);
  return words.length === 0 ? [] : [words];
}

function checkedStackName(ctx: CommandContext): string {
  return requireMatch("stack name", ctx.stackName, stackNamePattern, "a CloudFormation stack name (a letter, then letters, digits, hyphens)");
}

function checkedTemplateFile(ctx: CommandContext): string {
  return requireMatch("template file", ctx.templateFile ?? TEMPLATE_FILE_NAME, templateFilePattern, "a file path without spaces or shell characters");
}

function deploy(ctx: CommandContext, tenantName: string | undefined): string {
  const region = requireRegion(ctx.region);
  const parameters = templateParameterValues({
    partition: ctx.partition,
    region,
    platformAccountId: ctx.platformAccountId,
    platformRoleArn: ctx.platformRoleArn,
    environmentId: ctx.environmentId,
    bucketNamePrefix: ctx.bucketNamePrefix,
    resourcePrefix: ctx.resourcePrefix,
    ...(tenantName === undefined ? {} : { tenantName }),
  });
  return formatCommand(
    ["aws", "cloudformation", "deploy"],
    [
      ...profileLine(ctx),
      ["--template-file", checkedTemplateFile(ctx)],
      ["--stack-name", checkedStackName(ctx)],
      ["--parameter-overrides"],
      ...Object.entries(parameters).map(([name, value]) => ({ nested: [`${name}=${value}`] })),
      ["--region", region],
      ...endpointLine(ctx),
    ],
  );
}

/** `aws cloudformation deploy` with every parameter filled in (and TenantName when the context has one). */
export function deployCommand(ctx: CommandContext): string {
  return deploy(ctx, ctx.tenantName === undefined || ctx.tenantName === "" ? undefined : ctx.tenantName);
}

/** The same deploy with `TenantName=…`, which adds the aliases and the tenant tag to both keys. */
export function redeployWithTenantCommand(ctx: CommandContext & { tenantName: string }): string {
  return deploy(ctx, requireTenantName(ctx.tenantName));
}

/** Prints the onboarding payload (both key ARNs as JSON) once the stack is complete. */
export function describeStacksCommand(ctx: CommandContext): string {
  const region = requireRegion(ctx.region);
  const lines: CommandLine[] = [...profileLine(ctx), ["--region", region], ...endpointLine(ctx), ["--stack-name", checkedStackName(ctx)]];
  const head = formatCommand(["aws", "cloudformation", "describe-stacks"], lines);
  // The query holds brackets, `?` and backticks: double quotes with escaped backticks, as in AWS's own docs.
  const query = `"${ONBOARDING_PAYLOAD_QUERY.replaceAll("`", "\\`")}"`;
  return `${head} \\\n  --query ${query} \\\n  --output text`;
}

/** The manual equivalent of the redeploy: two aliases and the tenant tag on both keys. */
export function manualAliasCommands(ctx: CommandContext & { tenantName: string; s3KeyArn: string; rdsKeyArn: string }): string[] {
  const region = requireRegion(ctx.region);
  const keyArnContext = { partition: ctx.partition, region, platformAccountId: ctx.platformAccountId };
  const keyArn = (field: string, value: string) => {
    const check = checkKeyArn(value, keyArnContext);
    if (!check.ok) throw new InvalidByokValueError(field, value, check.message);
    return check.arn;
  };
  const s3KeyArn = keyArn("S3 key ARN", ctx.s3KeyArn);
  const rdsKeyArn = keyArn("RDS key ARN", ctx.rdsKeyArn);
  const tenantName = requireTenantName(ctx.tenantName);
  const aliases = keyAliasNames(ctx.resourcePrefix, tenantName);
  const tag = `TagKey=${tenantTagKey(ctx.resourcePrefix)},TagValue=${tenantName}`;
  const where = [...profileLine(ctx), ["--region", region], ...endpointLine(ctx)];
  const createAlias = (aliasName: string, targetKeyArn: string) =>
    formatCommand(["aws", "kms", "create-alias"], [...where, ["--alias-name", aliasName], ["--target-key-id", targetKeyArn]]);
  const tagResource = (targetKeyArn: string) =>
    formatCommand(["aws", "kms", "tag-resource"], [...where, ["--key-id", targetKeyArn], ["--tags", tag]]);
  return [createAlias(aliases.s3, s3KeyArn), createAlias(aliases.rds, rdsKeyArn), tagResource(s3KeyArn), tagResource(rdsKeyArn)];
}

/**
 * The one-line commands that act on one of the customer's keys, for messages and fix panels.
 * The ARN and Region are validated by the caller (a refused value becomes a placeholder there);
 * the endpoint URL here.
 * The policy is read with `--query Policy --output text`: without it the CLI also prints the
 * policy's name, and the file is no longer a policy put-key-policy takes back.
 */
export function keyCommands(keyArn: string, region: string, options: Pick<CommandContext, "endpointUrl"> = {}) {
  const where = ["--region", region, ...cliEndpointWords(options.endpointUrl)].join(" ");
  const key = `--key-id ${keyArn} ${where}`;
  return {
    describeState: `aws kms describe-key ${key} --query "KeyMetadata.[KeyState,DeletionDate,Arn]" --output text`,
    describeType: `aws kms describe-key ${key} --query "KeyMetadata.[KeySpec,KeyUsage]" --output text`,
    describe: `aws kms describe-key ${key}`,
    enable: `aws kms enable-key ${key}`,
    cancelDeletion: `aws kms cancel-key-deletion ${key}`,
    enableRotation: `aws kms enable-key-rotation ${key}`,
    getPolicy: (file = "current-key-policy.json") => `aws kms get-key-policy ${key} --policy-name default --query Policy --output text > ${file}`,
    putPolicy: (file = "current-key-policy.json") => `aws kms put-key-policy ${key} --policy-name default --policy file://${file}`,
    // CloudTrail records KMS calls in the key's Region, with the key ARN among the event's resources.
    cloudTrailLookup: `aws cloudtrail lookup-events ${where} --lookup-attributes AttributeKey=ResourceName,AttributeValue=${keyArn}`,
  };
}
