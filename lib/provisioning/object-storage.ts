import "server-only";
import {
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutBucketEncryptionCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  type BucketLocationConstraint,
  type PutObjectCommandInput,
  type ServerSideEncryptionRule,
} from "@aws-sdk/client-s3";
import { z } from "zod";
import { RunAbandoned, type StepContext } from "./context";
import { withEnvironmentDataKey } from "./data-key";
import { BUCKET_PURPOSES, MARKER_OBJECT_KEY, bucketName, type BucketPurpose } from "./names";

// Type aliases, not interfaces: they are plain JSON the step stores as its output.
export type ObjectStorageOutput = {
  region: string;
  buckets: ObjectStorageBucket[];
};

export type ObjectStorageBucket = {
  name: string;
  purpose: BucketPurpose;
  /**
   * "SSE-C" in role mode: objects are encrypted with the environment's data key (which the
   * customer's key wraps, see ./data-key.ts); the bucket's default is S3's own AES256 for anything
   * written without it.
   */
  encryption: "aws:kms" | "AES256" | "SSE-C";
  kmsKeyArn: string | null;
  markerKey: string;
  /** "created" by this run, or "existing" when an earlier run had made it. */
  creation: "created" | "existing";
};

/** The encryption context S3 adds to its own `aws:s3:arn` so each use is traceable in the customer's CloudTrail. */
export function markerEncryptionContext(ctx: StepContext, purpose: BucketPurpose): Record<string, string> {
  return {
    tenant: ctx.environment.organizationSlug,
    environment: ctx.environment.id,
    purpose: `${purpose}-bucket-marker`,
  };
}

/**
 * Step 1: the environment's buckets, private, encrypted by default with the customer's S3 key
 * (S3 Bucket Key on, which cuts KMS calls by caching a bucket-level data key) or with S3's own
 * keys, and a first object in each. That first SSE-KMS write is the first GenerateDataKey on
 * the customer's key, so a key S3 cannot use fails here, within seconds, before the
 * database is touched. Every call is safe to repeat. The buckets are independent, so each
 * one's calls run alongside the others': the step takes as long as one bucket, not all.
 */
export async function provisionObjectStorage(ctx: StepContext): Promise<ObjectStorageOutput> {
  if (ctx.environment.keyAccess === "ROLE") return withEnvironmentDataKey(ctx, (dataKey) => provisionBuckets(ctx, { dataKey }));
  return provisionBuckets(ctx, { keyArn: ctx.customerKeyArn("s3") });
}

/** How the buckets' objects are encrypted: SSE-KMS with the customer's key, S3's own keys (null), or SSE-C with the data key. */
type BucketEncryption = { keyArn: string | null } | { dataKey: Buffer };

/** The SSE-C request fields for one object (the SDK adds the key's MD5). */
function sseC(dataKey: Buffer) {
  return { SSECustomerAlgorithm: "AES256", SSECustomerKey: dataKey.toString("base64") };
}

async function provisionBuckets(ctx: StepContext, encryption: BucketEncryption): Promise<ObjectStorageOutput> {
  // Settle every bucket before reporting: no call of this step may still be under way once
  // the run gives up its lock (a shutdown or a lost lock is reported before an AWS failure).
  const settled = await Promise.allSettled(BUCKET_PURPOSES.map((purpose) => provisionBucket(ctx, purpose, encryption)));
  const failures = settled.flatMap((result) => (result.status === "rejected" ? [result.reason as unknown] : []));
  const first = failures.find((reason) => reason instanceof RunAbandoned) ?? failures[0];
  if (failures.length > 0) throw first;
  return { region: ctx.environment.region, buckets: settled.flatMap((result) => (result.status === "fulfilled" ? [result.value] : [])) };
}

async function provisionBucket(ctx: StepContext, purpose: BucketPurpose, encryption: BucketEncryption): Promise<ObjectStorageBucket> {
  const keyArn = "keyArn" in encryption ? encryption.keyArn : null;
  const { environment, clients } = ctx;
  const region = environment.region;
  const name = bucketName(ctx.resourcePrefix, environment.id, purpose);
  const resource = ctx.s3Arn(name);
  const created = await ctx.callAccepting(
    { service: "s3", operation: "CreateBucket", resource, keyArn: null },
    () =>
      clients.s3.send(
        new CreateBucketCommand({
          Bucket: name,
          // us-east-1 is the one Region that takes no location constraint (and refuses one).
          ...(region === "us-east-1" ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
        }),
      ),
    // The name carries the environment id and bucket names are global: one we own is ours.
    ["BucketAlreadyOwnedByYou"],
  );

  await ctx.call({ service: "s3", operation: "PutPublicAccessBlock", resource, keyArn: null }, () =>
    clients.s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: name,
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
      }),
    ),
  );

  const rule: ServerSideEncryptionRule =
    "dataKey" in encryption
      ? // New buckets block SSE-C (since April 2026); role mode's buckets take it, and only they do.
        { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" }, BlockedEncryptionTypes: { EncryptionType: ["NONE"] } }
      : keyArn
        ? { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: keyArn }, BucketKeyEnabled: true }
        : { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } };
  await ctx.call({ service: "s3", operation: "PutBucketEncryption", resource, keyArn }, () =>
    clients.s3.send(new PutBucketEncryptionCommand({ Bucket: name, ServerSideEncryptionConfiguration: { Rules: [rule] } })),
  );

  const body = JSON.stringify({ environmentId: environment.id, purpose, writtenBy: "provisioning" }, null, 2);
  // Explicit, not left to the bucket default: the object is encrypted with this key or not at all.
  const objectEncryption: Partial<PutObjectCommandInput> = "dataKey" in encryption
    ? sseC(encryption.dataKey)
    : keyArn
    ? {
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: keyArn,
        BucketKeyEnabled: true,
        SSEKMSEncryptionContext: Buffer.from(JSON.stringify(markerEncryptionContext(ctx, purpose))).toString("base64"),
      }
    : { ServerSideEncryption: "AES256" };
  const markerSpec = { service: "s3" as const, operation: "PutObject", resource: ctx.s3Arn(name, MARKER_OBJECT_KEY), keyArn, ...(keyArn ? { encryptionContext: markerEncryptionContext(ctx, purpose) } : {}) };
  await ctx.call(markerSpec, () =>
    clients.s3.send(new PutObjectCommand({ Bucket: name, Key: MARKER_OBJECT_KEY, Body: body, ContentType: "application/json", ...objectEncryption })),
  );

  return {
    name,
    purpose,
    encryption: "dataKey" in encryption ? "SSE-C" : keyArn ? "aws:kms" : "AES256",
    kmsKeyArn: "dataKey" in encryption ? ctx.customerKeyArn("s3") : keyArn,
    markerKey: MARKER_OBJECT_KEY,
    creation: created.ok ? "created" : "existing",
  };
}

/**
 * Before a run builds on recorded buckets (a resumed run, or a retry that reuses them), it
 * checks each one is still there, encrypted as recorded, with its first object: HeadBucket,
 * GetBucketEncryption and HeadObject, read-only. "repair" means the step must run again
 * (every call of it is idempotent), "ok" that the record holds.
 */
export async function verifyObjectStorage(ctx: StepContext, output: unknown): Promise<{ verdict: "ok" | "repair"; reason: string }> {
  if (ctx.environment.keyAccess === "ROLE") return withEnvironmentDataKey(ctx, (dataKey) => verifyBuckets(ctx, output, { dataKey }));
  return verifyBuckets(ctx, output, { keyArn: ctx.customerKeyArn("s3") });
}

async function verifyBuckets(ctx: StepContext, output: unknown, objects: BucketEncryption): Promise<{ verdict: "ok" | "repair"; reason: string }> {
  const recorded = parseObjectStorageOutput(output);
  const keyArn = "keyArn" in objects ? objects.keyArn : null;
  if (!recorded) return { verdict: "repair", reason: "no usable record of the buckets" };
  for (const purpose of BUCKET_PURPOSES) {
    const name = bucketName(ctx.resourcePrefix, ctx.environment.id, purpose);
    const bucket = recorded.buckets.find((b) => b.purpose === purpose && b.name === name);
    if (!bucket) return { verdict: "repair", reason: `the ${purpose} bucket is not recorded` };
    const resource = ctx.s3Arn(name);
    const head = await ctx.callAccepting({ service: "s3", operation: "HeadBucket", resource, keyArn: null }, () => ctx.clients.s3.send(new HeadBucketCommand({ Bucket: name })), ["NotFound", "NoSuchBucket"]);
    if (!head.ok) return { verdict: "repair", reason: `bucket ${name} no longer exists` };
    const encryption = await ctx.callAccepting(
      { service: "s3", operation: "GetBucketEncryption", resource, keyArn: null },
      () => ctx.clients.s3.send(new GetBucketEncryptionCommand({ Bucket: name })),
      ["ServerSideEncryptionConfigurationNotFoundError"],
      { complete: (out) => out.ServerSideEncryptionConfiguration !== undefined },
    );
    const applied = encryption.ok ? encryption.value.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault : undefined;
    const expectedAlgorithm = keyArn ? "aws:kms" : "AES256";
    if (applied?.SSEAlgorithm !== expectedAlgorithm || (keyArn !== null && applied.KMSMasterKeyID !== keyArn)) {
      return { verdict: "repair", reason: `bucket ${name} is not encrypted as recorded` };
    }
    const marker = await ctx.callAccepting(
      { service: "s3", operation: "HeadObject", resource: ctx.s3Arn(name, MARKER_OBJECT_KEY), keyArn: null },
      // In role mode the read needs the data key: the marker is there and still opens with it.
      () => ctx.clients.s3.send(new HeadObjectCommand({ Bucket: name, Key: MARKER_OBJECT_KEY, ...("dataKey" in objects ? sseC(objects.dataKey) : {}) })),
      ["NotFound", "NoSuchKey"],
    );
    if (!marker.ok) return { verdict: "repair", reason: `the first object of bucket ${name} is missing` };
  }
  return { verdict: "ok", reason: "every bucket is there, encrypted as recorded" };
}

/** The recorded output, read back from the step row; anything else means "repair". */
const recordedOutputSchema = z.object({
  region: z.string(),
  buckets: z.array(z.object({ name: z.string(), purpose: z.enum(BUCKET_PURPOSES) })),
});

function parseObjectStorageOutput(output: unknown): z.infer<typeof recordedOutputSchema> | null {
  const parsed = recordedOutputSchema.safeParse(output);
  return parsed.success ? parsed.data : null;
}
