import "server-only";
import { DecryptCommand, DescribeKeyCommand, GenerateDataKeyCommand, GetKeyRotationStatusCommand, type KeyMetadata } from "@aws-sdk/client-kms";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { customerRoleClients, customerRoleCredentials, type CustomerRoleTarget } from "@/lib/aws/customer-role";
import { CHECK_PATIENCE, environmentAwsClients, environmentSessionName } from "@/lib/aws/environment-session";
import { normalizeAwsError, type AwsErrorInfo } from "@/lib/aws/errors";
import { keyCommands } from "@/lib/byok/commands";
import { ROLE_KEY_READ_ACTIONS, ROLE_KEY_USE_ACTIONS, ROLE_STATEMENT_IDS, TENANT_CONTEXT_KEY } from "@/lib/byok/role-mode";
import { db } from "@/lib/db";
import { cliEndpointOption } from "@/lib/sandbox-deploy/mode";
import type { FieldErrors } from "@/lib/errors";
import { recordKeyUses, type KeyUse as RecordedKeyUse } from "@/lib/key-use-log/record";
import { KEY_OF_ANOTHER_ORGANIZATION_MESSAGE, describeKeyType, type LiveCheckResult } from "./key-checks";

/**
 * Role mode's live checks at the key-ARN step (F8): the platform assumes the customer's role with
 * the organization's External ID, describes the key as that role (state, spec, usage, Region,
 * manager, rotation, origin), then makes a data key and decrypts it again with the tenant's
 * encryption context, exactly as provisioning will. Each refusal gets its own message, under the
 * field it is about. What AWS did not answer is never reported as a problem.
 */

export interface RoleCheckInput {
  environmentId: string;
  organizationId: string;
  region: string;
  roleArn: string;
  keyArn: string;
  externalId: string;
  /** The tenant the encryption context names (the organization's slug). */
  tenant: string;
  platformRoleArn: string;
  /** Where key uses are recorded for the customer's log forwarding, when set up. */
  logGroupArn: string | null;
}

/** One key use of the check, for the customer's key-use log. */
type KeyUse = Omit<RecordedKeyUse, "occurredAt" | "keyArn">;

type Problem = { field: "roleArn" | "keyArn"; message: string };
type Step<T> = { ok: true; value: T } | { ok: false; problem: Problem } | { ok: "unknown" };

const unknown = { ok: "unknown" } as const;

function roleName(roleArn: string): string {
  return roleArn.slice(roleArn.lastIndexOf("/") + 1);
}

/** "because no identity-based policy allows" (the role's own policy) or "no resource-based policy" (the key policy). */
function deniedBy(info: AwsErrorInfo): "identity" | "resource" | "unknown" {
  if (/identity-based policy/i.test(info.message)) return "identity";
  if (/resource-based policy/i.test(info.message)) return "resource";
  return "unknown";
}

function isAccessDenied(info: AwsErrorInfo): boolean {
  return info.code === "AccessDenied" || info.code === "AccessDeniedException";
}

/** The message naming what the trust policy must say: the platform role and the External ID. */
export function trustRefusedMessage(input: Pick<RoleCheckInput, "roleArn" | "externalId" | "platformRoleArn">): string {
  return (
    `AWS refused to let the platform assume the role ${input.roleArn}. Check that the role exists and that its trust policy allows ` +
    `${input.platformRoleArn} to call sts:AssumeRole and sts:TagSession with the condition "sts:ExternalId": "${input.externalId}" — your organization's External ID, exactly; ` +
    `a trust policy with another External ID, or for another principal, is refused. To see the trust policy: aws iam get-role --role-name ${roleName(input.roleArn)} --query Role.AssumeRolePolicyDocument`
  );
}

async function assumeRole(input: RoleCheckInput, target: CustomerRoleTarget): Promise<Step<null>> {
  try {
    await customerRoleCredentials(target, CHECK_PATIENCE);
  } catch (error) {
    const info = normalizeAwsError(error, "sts");
    if (isAccessDenied(info)) return { ok: false, problem: { field: "roleArn", message: trustRefusedMessage(input) } };
    if (info.code === "RegionDisabledException") {
      return { ok: false, problem: { field: "roleArn", message: `AWS STS is not activated in ${input.region} for the role's account. Activate it in IAM → Account settings, then try again.` } };
    }
    return unknown;
  }
  // The External ID must be required, not merely accepted: a role anyone at the platform could
  // assume without it is open to the confused-deputy problem the External ID exists to stop.
  try {
    await environmentAwsClients(input.region, input.environmentId, CHECK_PATIENCE).sts.send(
      new AssumeRoleCommand({ RoleArn: input.roleArn, RoleSessionName: environmentSessionName(input.environmentId), DurationSeconds: 900 }),
    );
    return {
      ok: false,
      problem: {
        field: "roleArn",
        message:
          `The role's trust policy lets the platform assume it without your External ID. Add the condition "sts:ExternalId": "${input.externalId}" ` +
          `to its trust statement (as in the trust policy shown in “Create your keys”), so that only your organization's environments can use the role.`,
      },
    };
  } catch (error) {
    const info = normalizeAwsError(error, "sts");
    return isAccessDenied(info) ? { ok: true, value: null } : unknown;
  }
}

function permissionsMessage(input: RoleCheckInput, action: string): string {
  return (
    `The role may not call ${action} on this key: its permissions policy lacks it. Attach the permissions policy shown in “Create your keys” ` +
    `(it allows ${[...ROLE_KEY_USE_ACTIONS, ...ROLE_KEY_READ_ACTIONS].join(", ")} on this key${action === "kms:DescribeKey" ? "" : `, with the encryption context ${TENANT_CONTEXT_KEY}=${input.tenant}`}). ` +
    `To see the role's policies: aws iam list-role-policies --role-name ${roleName(input.roleArn)}`
  );
}

function keyPolicyMessage(input: RoleCheckInput, action: string): string {
  return (
    `The key's policy does not let the role call ${action}. Add the statements ${ROLE_STATEMENT_IDS.keyPolicyUse} and ${ROLE_STATEMENT_IDS.keyPolicyRead} from “Create your keys” ` +
    `to the key policy (or keep AWS's default statement "Enable IAM User Permissions", which lets the role's own policy decide). To see the key policy: ${keyCommands(input.keyArn, input.region, cliEndpointOption()).getPolicy()}`
  );
}

function refusal(input: RoleCheckInput, info: AwsErrorInfo, action: string): Problem {
  return { field: "keyArn", message: deniedBy(info) === "resource" ? keyPolicyMessage(input, action) : permissionsMessage(input, action) };
}

/** Judges the key as the role described it. Pure, so each message is tested on its own. */
export function judgeRoleKey(
  input: Pick<RoleCheckInput, "keyArn" | "region">,
  meta: KeyMetadata,
  rotationEnabled: boolean | null,
  cli: { endpointUrl?: string } = {},
): { ok: true; warnings: string[] } | { ok: false; message: string } {
  const commands = keyCommands(input.keyArn, input.region, cli);
  const state = meta.KeyState ?? "Unknown";
  if (meta.KeyManager === "AWS") return { ok: false, message: "This is an AWS managed key: AWS controls its policy, so no role of yours can be given its use. Use a customer managed key." };
  if (state === "PendingDeletion" || state === "PendingReplicaDeletion") {
    const date = meta.DeletionDate ? meta.DeletionDate.toISOString().slice(0, 10) : "a date AWS did not report";
    return { ok: false, message: `This key is scheduled for deletion on ${date} and cannot encrypt anything. If you still need it, cancel the deletion and enable it again: ${commands.cancelDeletion} && ${commands.enable}` };
  }
  if (state === "PendingImport") {
    return { ok: false, message: `This key has no usable key material: it was made for imported material (origin EXTERNAL) that is not imported yet or has expired. Import the material, or use a key whose material AWS KMS creates.` };
  }
  if (state === "Disabled") return { ok: false, message: `This key is disabled, so the platform could not use it. Enable it: ${commands.enable}` };
  const spec = meta.KeySpec ?? meta.CustomerMasterKeySpec ?? "SYMMETRIC_DEFAULT";
  const usage = meta.KeyUsage ?? "ENCRYPT_DECRYPT";
  if (spec !== "SYMMETRIC_DEFAULT" || usage !== "ENCRYPT_DECRYPT") {
    return {
      ok: false,
      message: `This is ${describeKeyType(spec, usage)}; the environment's data key can only be made under a symmetric encryption key (key spec SYMMETRIC_DEFAULT, key usage ENCRYPT_DECRYPT). Create one: aws kms create-key --key-spec SYMMETRIC_DEFAULT --key-usage ENCRYPT_DECRYPT --region ${input.region}`,
    };
  }
  if (state !== "Enabled") return { ok: false, message: `This key is in the state ${state} and cannot be used now. Try again once AWS reports it as Enabled.` };
  const warnings: string[] = [];
  if (rotationEnabled === false) warnings.push(`Automatic rotation is off for your key. We recommend turning it on: ${commands.enableRotation}`);
  if (meta.Origin === "EXTERNAL") {
    warnings.push(`This key uses imported key material${meta.ValidTo ? ` that expires on ${meta.ValidTo.toISOString().slice(0, 10)}` : ""}: if it expires or is deleted, the environment's data cannot be read until you import the same material again.`);
  }
  if (meta.MultiRegion) warnings.push("This is a multi-Region key: its replicas in other Regions can decrypt what it encrypts. Make sure that is what you want.");
  return { ok: true, warnings };
}

async function describeAsRole(input: RoleCheckInput, target: CustomerRoleTarget, uses: KeyUse[]): Promise<Step<{ meta: KeyMetadata; rotation: boolean | null }>> {
  const kms = customerRoleClients(target, CHECK_PATIENCE).kms;
  let meta: KeyMetadata | undefined;
  try {
    const out = await kms.send(new DescribeKeyCommand({ KeyId: input.keyArn }));
    uses.push({ action: "DescribeKey", encryptionContext: {}, requestId: out.$metadata.requestId ?? null, outcome: "success" });
    meta = out.KeyMetadata;
  } catch (error) {
    const info = normalizeAwsError(error, "kms");
    uses.push({ action: "DescribeKey", encryptionContext: {}, requestId: info.requestId, outcome: info.code });
    if (info.code === "NotFoundException") {
      return { ok: false, problem: { field: "keyArn", message: `No KMS key with this ARN exists in ${input.region} of the role's account. Check that you copied the full ARN of a key that still exists: ${keyCommands(input.keyArn, input.region, cliEndpointOption()).describe}` } };
    }
    if (isAccessDenied(info)) return { ok: false, problem: refusal(input, info, "kms:DescribeKey") };
    return unknown;
  }
  if (!meta) return unknown;
  if (meta.KeyState !== "Enabled") return { ok: true, value: { meta, rotation: null } };
  try {
    const rotation = await kms.send(new GetKeyRotationStatusCommand({ KeyId: input.keyArn }));
    return { ok: true, value: { meta, rotation: rotation.KeyRotationEnabled ?? null } };
  } catch {
    // Rotation is advice only.
    return { ok: true, value: { meta, rotation: null } };
  }
}

/** The encryption context of the check's data key: the tenant (which the role's policy requires), the environment and why. */
export function roleCheckContext(input: Pick<RoleCheckInput, "tenant" | "environmentId">): Record<string, string> {
  return { [TENANT_CONTEXT_KEY]: input.tenant, environment: input.environmentId, purpose: "key-check" };
}

async function roundTrip(input: RoleCheckInput, target: CustomerRoleTarget, uses: KeyUse[]): Promise<Step<null>> {
  const kms = customerRoleClients(target, CHECK_PATIENCE).kms;
  const context = roleCheckContext(input);
  let made;
  try {
    made = await kms.send(new GenerateDataKeyCommand({ KeyId: input.keyArn, KeySpec: "AES_256", EncryptionContext: context }));
    uses.push({ action: "GenerateDataKey", encryptionContext: context, requestId: made.$metadata.requestId ?? null, outcome: "success" });
  } catch (error) {
    const info = normalizeAwsError(error, "kms");
    uses.push({ action: "GenerateDataKey", encryptionContext: context, requestId: info.requestId, outcome: info.code });
    if (isAccessDenied(info)) return { ok: false, problem: refusal(input, info, "kms:GenerateDataKey") };
    if (info.code === "DisabledException" || info.code === "KMSInvalidStateException") return { ok: false, problem: { field: "keyArn", message: `AWS KMS refused to use the key: ${info.message}` } };
    return unknown;
  }
  try {
    const opened = await kms.send(new DecryptCommand({ CiphertextBlob: made.CiphertextBlob, KeyId: input.keyArn, EncryptionContext: context }));
    uses.push({ action: "Decrypt", encryptionContext: context, requestId: opened.$metadata.requestId ?? null, outcome: "success" });
    const same = opened.Plaintext !== undefined && made.Plaintext !== undefined && Buffer.from(opened.Plaintext).equals(Buffer.from(made.Plaintext));
    if (!same) return { ok: false, problem: { field: "keyArn", message: "The key gave back a different data key than it made. Contact support with the time of this check." } };
    return { ok: true, value: null };
  } catch (error) {
    const info = normalizeAwsError(error, "kms");
    uses.push({ action: "Decrypt", encryptionContext: context, requestId: info.requestId, outcome: info.code });
    if (isAccessDenied(info)) return { ok: false, problem: refusal(input, info, "kms:Decrypt") };
    return unknown;
  } finally {
    made.Plaintext?.fill(0);
  }
}

/** The whole check; `organizationId` is the caller's. */
export async function checkRoleKeyLive(input: RoleCheckInput): Promise<LiveCheckResult> {
  const target: CustomerRoleTarget = { environmentId: input.environmentId, region: input.region, roleArn: input.roleArn, externalId: input.externalId };
  const uses: KeyUse[] = [];
  const started = new Date();
  try {
    const result = await runChecks(input, target, uses);
    return result;
  } finally {
    await recordKeyUses(
      { id: input.environmentId, organizationId: input.organizationId, logGroupArn: input.logGroupArn },
      uses.map((use) => ({ ...use, occurredAt: started, keyArn: input.keyArn })),
    );
  }
}

async function runChecks(input: RoleCheckInput, target: CustomerRoleTarget, uses: KeyUse[]): Promise<LiveCheckResult> {
  const fail = (problem: Problem): LiveCheckResult => ({ fieldErrors: { [problem.field]: [problem.message] } as FieldErrors, warnings: [], unavailable: false });
  const unavailable: LiveCheckResult = { fieldErrors: {}, warnings: [], unavailable: true };

  const assumed = await assumeRole(input, target);
  if (assumed.ok === "unknown") return unavailable;
  if (!assumed.ok) return fail(assumed.problem);

  const described = await describeAsRole(input, target, uses);
  if (described.ok === "unknown") return unavailable;
  if (!described.ok) return fail(described.problem);
  const verdict = judgeRoleKey(input, described.value.meta, described.value.rotation, cliEndpointOption());
  if (!verdict.ok) return fail({ field: "keyArn", message: verdict.message });

  const trip = await roundTrip(input, target, uses);
  if (trip.ok === "unknown") return unavailable;
  if (!trip.ok) return fail(trip.problem);

  // Only a key the role could use is looked up, so nothing leaks about keys one merely names.
  const taken = await db().environment.findFirst({
    where: { organizationId: { not: input.organizationId }, OR: [{ s3KeyArn: input.keyArn }, { rdsKeyArn: input.keyArn }] },
    select: { id: true },
  });
  if (taken) return fail({ field: "keyArn", message: KEY_OF_ANOTHER_ORGANIZATION_MESSAGE });
  return { fieldErrors: {}, warnings: verdict.warnings, unavailable: false };
}
