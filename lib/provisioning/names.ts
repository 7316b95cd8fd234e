import { bucketNamePrefixFor } from "@/lib/byok/values";

/**
 * The steps of a provisioning attempt, in order, and the deterministic names of what they
 * create: a step that runs again (after a crash or on a retry) finds its own resources by
 * name instead of making new ones.
 */
export const STEP_KEYS = ["object-storage", "database", "finalize"] as const;
export type StepKey = (typeof STEP_KEYS)[number];

export function isStepKey(value: string): value is StepKey {
  return (STEP_KEYS as readonly string[]).includes(value);
}

export const BUCKET_PURPOSES = ["data", "logs"] as const;
export type BucketPurpose = (typeof BUCKET_PURPOSES)[number];

/** The marker object written into every bucket; with SSE-KMS it is the first GenerateDataKey. */
export const MARKER_OBJECT_KEY = "environment.json";

/**
 * `<prefix>-<environment id>-<purpose>`. The key policy's `kms:EncryptionContext:aws:s3:arn`
 * condition is rendered from the same `<prefix>-<environment id>` (lib/byok), so a bucket
 * name and the customer's policy can never drift apart.
 */
export function bucketName(resourcePrefix: string, environmentId: string, purpose: BucketPurpose): string {
  return `${bucketNamePrefixFor(resourcePrefix, environmentId)}-${purpose}`;
}

/**
 * RDS cluster identifiers: 1-63 letters, digits or hyphens, starting with a letter, no
 * two consecutive hyphens, not ending with a hyphen (RDS User Guide, "Naming constraints").
 */
const CLUSTER_IDENTIFIER = /^[a-z](?:[a-z0-9]|-(?!-))*[a-z0-9]$/;

export function clusterIdentifier(resourcePrefix: string, environmentId: string): string {
  const identifier = `${resourcePrefix}-${environmentId}`.toLowerCase();
  if (identifier.length > 63 || !CLUSTER_IDENTIFIER.test(identifier)) {
    throw new Error(`Cannot derive a valid RDS cluster identifier from ${JSON.stringify(identifier)}.`);
  }
  return identifier;
}

/** Tag keys the platform puts on what it creates, under the vendor's prefix. */
export function resourceTagKeys(resourcePrefix: string): { environmentId: string; organizationId: string } {
  return { environmentId: `${resourcePrefix}:environment-id`, organizationId: `${resourcePrefix}:organization-id` };
}
