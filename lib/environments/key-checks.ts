import "server-only";
import { DescribeKeyCommand, GetKeyRotationStatusCommand, type KeyMetadata } from "@aws-sdk/client-kms";
import { CHECK_PATIENCE, environmentAwsClients } from "@/lib/aws/environment-session";
import { isTransientAwsError, normalizeAwsError } from "@/lib/aws/errors";
import { STATEMENT_IDS } from "@/lib/byok/policies";
import { keyArnPattern } from "@/lib/byok/values";
import { db } from "@/lib/db";
import type { FieldErrors } from "@/lib/errors";
import { keyCommands } from "@/lib/byok/commands";
import { cliEndpointOption } from "@/lib/sandbox-deploy/mode";

/**
 * The key-ARN step's live checks: after the format checks, each key is described through the
 * environment's own platform session (the one provisioning will use), so a key that would
 * certainly fail is stopped here with what is wrong and the command that fixes it. What AWS
 * did not answer is never reported as a problem with the key.
 */

export type KeyField = "s3KeyArn" | "rdsKeyArn";

const KEY_LABELS: Record<KeyField, string> = { s3KeyArn: "S3 key", rdsKeyArn: "RDS key" };

/** The statements each key needs from "Create your keys", by Sid. */
export const REQUIRED_STATEMENTS: Record<KeyField, string[]> = {
  s3KeyArn: [STATEMENT_IDS.s3Use, STATEMENT_IDS.s3DescribeKey, STATEMENT_IDS.preflight],
  rdsKeyArn: [STATEMENT_IDS.rdsDescribeKey, STATEMENT_IDS.rdsGrants, STATEMENT_IDS.preflight],
};

/** What describing one key through the environment's session gave. */
export type KeyLookup =
  | { outcome: "described"; metadata: KeyMetadata; rotationEnabled: boolean | null }
  | { outcome: "not-found" }
  | { outcome: "access-denied" }
  | { outcome: "unavailable"; code: string };

export type KeyVerdict = { ok: true; warnings: string[] } | { ok: false; problem: string } | { ok: "unknown" };

function keyArnParts(arn: string): { region: string; accountId: string } {
  const match = keyArnPattern.exec(arn);
  return { region: match?.[2] ?? "", accountId: match?.[3] ?? "" };
}

function dateOf(value: Date | undefined): string {
  return value ? value.toISOString().slice(0, 10) : "a date AWS did not report";
}

/** "an HMAC key (HMAC_256)", "an asymmetric signing key (RSA_2048)" … in the user's words. */
export function describeKeyType(spec: string, usage: string): string {
  if (usage === "GENERATE_VERIFY_MAC" || spec.startsWith("HMAC_")) return `an HMAC key (${spec}) for making and checking message authentication codes`;
  if (usage === "SIGN_VERIFY") return `an asymmetric signing key (${spec}, ${usage})`;
  if (usage === "KEY_AGREEMENT") return `a key-agreement key (${spec})`;
  if (spec !== "SYMMETRIC_DEFAULT") return `an asymmetric encryption key (${spec})`;
  return `a key with key usage ${usage}`;
}

/**
 * Judges one key from what AWS said about it. Pure, so every message is tested on its own;
 * `cli` puts the sandbox's `--endpoint-url` into the commands it shows (sandbox mode).
 */
export function judgeKey(field: KeyField, arn: string, lookup: KeyLookup, cli: { endpointUrl?: string } = {}): KeyVerdict {
  const { region, accountId } = keyArnParts(arn);
  const label = KEY_LABELS[field];
  switch (lookup.outcome) {
    case "unavailable":
      return { ok: "unknown" };
    case "not-found":
      return {
        ok: false,
        problem: `No KMS key with this ARN exists in account ${accountId}, Region ${region}. Check that you copied the full ARN of a key that still exists, for example with: ${keyCommands(arn, region, cli).describe}`,
      };
    case "access-denied":
      return {
        ok: false,
        problem:
          `The platform is not allowed to read this key: its key policy lacks this environment's statements, or they differ from the ones shown (for example, they were made for another environment). ` +
          `Add the statements ${REQUIRED_STATEMENTS[field].join(", ")} from “Create your keys” to the ${label}'s policy (or deploy this environment's template), then try again. ` +
          `To see the current policy: ${keyCommands(arn, region, cli).getPolicy()}. ` +
          `An AWS managed key (alias aws/…) can never allow the platform; use a customer managed key.`,
      };
    case "described":
      break;
  }
  const meta = lookup.metadata;
  const state = meta.KeyState ?? "Unknown";
  if (meta.KeyManager === "AWS") {
    return {
      ok: false,
      problem: `This is an AWS managed key: AWS controls its key policy, so it can never allow the platform. Create a customer managed key with the template or the manual steps in “Create your keys”.`,
    };
  }
  if (state === "PendingDeletion" || state === "PendingReplicaDeletion") {
    return {
      ok: false,
      problem: `This key is scheduled for deletion on ${dateOf(meta.DeletionDate)} and cannot encrypt anything. If you still need it, cancel the deletion and enable it again: ${keyCommands(arn, region, cli).cancelDeletion} && ${keyCommands(arn, region, cli).enable}`,
    };
  }
  if (state === "PendingImport" || (meta.Origin === "EXTERNAL" && meta.ValidTo !== undefined && meta.ValidTo.getTime() <= Date.now())) {
    return {
      ok: false,
      problem: `This key has no usable key material: it was created for imported material (origin EXTERNAL) that has not been imported yet or has expired. Import the material (aws kms get-parameters-for-import, then aws kms import-key-material --key-id ${arn} --region ${region} …), or use a key whose material AWS KMS creates.`,
    };
  }
  if (state === "Disabled") {
    return { ok: false, problem: `This key is disabled, so S3 and Aurora could not use it. Enable it: ${keyCommands(arn, region, cli).enable}` };
  }
  const spec = meta.KeySpec ?? meta.CustomerMasterKeySpec ?? "SYMMETRIC_DEFAULT";
  const usage = meta.KeyUsage ?? "ENCRYPT_DECRYPT";
  if (spec !== "SYMMETRIC_DEFAULT" || usage !== "ENCRYPT_DECRYPT") {
    return {
      ok: false,
      problem: `This is ${describeKeyType(spec, usage)}; S3 and Aurora can only use a symmetric encryption key (key spec SYMMETRIC_DEFAULT, key usage ENCRYPT_DECRYPT). Create one: aws kms create-key --key-spec SYMMETRIC_DEFAULT --key-usage ENCRYPT_DECRYPT --region ${region}`,
    };
  }
  if (state !== "Enabled") {
    return { ok: false, problem: `This key is in the state ${state} and cannot be used now. Try again once AWS reports it as Enabled.` };
  }
  const warnings =
    lookup.rotationEnabled === false
      ? [`Automatic rotation is off for your ${label}. We recommend turning it on: ${keyCommands(arn, region, cli).enableRotation}`]
      : [];
  return { ok: true, warnings };
}

async function lookUpKey(environmentId: string, region: string, arn: string): Promise<KeyLookup> {
  const kms = environmentAwsClients(region, environmentId, CHECK_PATIENCE).kms;
  let metadata: KeyMetadata | undefined;
  try {
    metadata = (await kms.send(new DescribeKeyCommand({ KeyId: arn }))).KeyMetadata;
  } catch (error) {
    const info = normalizeAwsError(error, "kms");
    if (info.code === "NotFoundException") return { outcome: "not-found" };
    if (info.code === "AccessDeniedException") return { outcome: "access-denied" };
    return { outcome: "unavailable", code: isTransientAwsError(info) ? info.code : `unexpected ${info.code}` };
  }
  if (!metadata) return { outcome: "unavailable", code: "EmptyAnswer" };
  if (metadata.KeyState !== "Enabled" || metadata.KeySpec !== "SYMMETRIC_DEFAULT") return { outcome: "described", metadata, rotationEnabled: null };
  try {
    const rotation = await kms.send(new GetKeyRotationStatusCommand({ KeyId: arn }));
    return { outcome: "described", metadata, rotationEnabled: rotation.KeyRotationEnabled ?? null };
  } catch {
    // Rotation is advice only: without an answer there is simply no warning.
    return { outcome: "described", metadata, rotationEnabled: null };
  }
}

export interface LiveCheckResult {
  /** Per field, why the key will certainly fail (empty: none will). */
  fieldErrors: FieldErrors;
  /** Worth knowing, not blocking. */
  warnings: string[];
  /** AWS did not answer one of the checks: nothing was judged, the user tries again. */
  unavailable: boolean;
}

export const AWS_UNAVAILABLE_MESSAGE =
  "We could not check your keys because AWS did not answer in time (it was busy or unreachable). Nothing we know of is wrong with your keys: try again in a minute.";

export const KEY_OF_ANOTHER_ORGANIZATION_MESSAGE =
  "This key is already used by an environment of another organization. Every organization needs keys of its own: create new keys for this environment with “Create your keys”.";

/** Both live checks, run together; `organizationId` is the caller's organization. */
export async function checkKeysLive(options: {
  environmentId: string;
  organizationId: string;
  region: string;
  s3KeyArn: string;
  rdsKeyArn: string;
}): Promise<LiveCheckResult> {
  const fields: KeyField[] = ["s3KeyArn", "rdsKeyArn"];
  const lookups = await Promise.all(fields.map((field) => lookUpKey(options.environmentId, options.region, options[field])));
  const verdicts = fields.map((field, i) => judgeKey(field, options[field], lookups[i] ?? { outcome: "unavailable", code: "missing" }, cliEndpointOption()));
  if (verdicts.some((verdict) => verdict.ok === "unknown")) return { fieldErrors: {}, warnings: [], unavailable: true };

  const fieldErrors: FieldErrors = {};
  const warnings: string[] = [];
  verdicts.forEach((verdict, i) => {
    const field = fields[i];
    if (field === undefined) return;
    if (verdict.ok === false) fieldErrors[field] = [verdict.problem];
    if (verdict.ok === true) warnings.push(...verdict.warnings);
  });

  // Only keys this environment's session could read are looked up, so the answer reveals
  // nothing about other organizations' keys to someone who merely knows an ARN.
  const readable = fields.filter((field, i) => verdicts[i]?.ok === true && fieldErrors[field] === undefined);
  if (readable.length > 0) {
    const arns = readable.map((field) => options[field]);
    const taken = await db().environment.findMany({
      where: { organizationId: { not: options.organizationId }, OR: [{ s3KeyArn: { in: arns } }, { rdsKeyArn: { in: arns } }] },
      select: { s3KeyArn: true, rdsKeyArn: true },
    });
    const takenArns = new Set(taken.flatMap((environment) => [environment.s3KeyArn, environment.rdsKeyArn]));
    for (const field of readable) if (takenArns.has(options[field])) fieldErrors[field] = [KEY_OF_ANOTHER_ORGANIZATION_MESSAGE];
  }

  const s3Account = keyArnParts(options.s3KeyArn).accountId;
  const rdsAccount = keyArnParts(options.rdsKeyArn).accountId;
  if (s3Account !== rdsAccount) {
    warnings.unshift(
      `Your two keys are in different AWS accounts (S3 key: ${s3Account}, RDS key: ${rdsAccount}). That works, but check that both accounts are meant to hold this environment's keys.`,
    );
  }
  return { fieldErrors, warnings, unavailable: false };
}
