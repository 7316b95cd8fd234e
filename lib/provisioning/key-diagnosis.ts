import "server-only";
import { DescribeKeyCommand, type KMSClient } from "@aws-sdk/client-kms";
import { CHECK_PATIENCE, environmentAwsClients } from "@/lib/aws/environment-session";
import { baseErrorCode } from "@/lib/aws/errors";

/**
 * When a step fails on a customer key, what state the key is in: the same AWS error (RDS's
 * KMSKeyNotAccessibleFault above all) can mean a missing statement, a disabled key or one
 * pending deletion, and each needs different commands (enable-key fails on a key pending
 * deletion: it needs cancel-key-deletion first). Read once, through the environment's session
 * and the key's preflight statement, when the step fails; stored on the step for the failure
 * panel (lib/provisioning/explain.ts). Best effort: without the preflight statement, or while
 * AWS is unreachable, there is no diagnosis and the panel explains every possibility.
 */
export interface KeyDiagnosis {
  key: "s3" | "rds";
  keyArn: string;
  /** DescribeKey's KeyState: Enabled, Disabled, PendingDeletion, … */
  keyState: string;
  /** ISO time, for a key pending deletion. */
  deletionDate: string | null;
}

const KEY_ERROR_CODES = new Set([
  "KMSKeyNotAccessibleFault",
  "DisabledException",
  "KMSInvalidStateException",
  "NotFoundException",
  "AccessDeniedException",
  "AccessDenied",
  "InvalidKeyUsageException",
]);

/** Whether a failure may be about the key (and a diagnosis worth a DescribeKey). */
export function isKeyFailure(code: string): boolean {
  return KEY_ERROR_CODES.has(baseErrorCode(code));
}

/** `via`: the KMS client to read the key with (role mode: the customer's role); default the environment's session. */
export async function diagnoseKey(environment: { id: string; region: string }, key: "s3" | "rds", keyArn: string | null, via?: KMSClient): Promise<KeyDiagnosis | null> {
  if (!keyArn) return null;
  try {
    const kms = via ?? environmentAwsClients(environment.region, environment.id, CHECK_PATIENCE).kms;
    const out = await kms.send(new DescribeKeyCommand({ KeyId: keyArn }));
    const metadata = out.KeyMetadata;
    if (!metadata?.KeyState) return null;
    return { key, keyArn, keyState: metadata.KeyState, deletionDate: metadata.DeletionDate ? metadata.DeletionDate.toISOString() : null };
  } catch {
    return null;
  }
}
