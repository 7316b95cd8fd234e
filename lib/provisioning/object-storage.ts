import {
  CreateBucketCommand,
  PutBucketEncryptionCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  type BucketLocationConstraint,
  type PutObjectCommandInput,
  type ServerSideEncryptionRule,
} from "@aws-sdk/client-s3";
import type { StepContext } from "./context";
import { BUCKET_PURPOSES, MARKER_OBJECT_KEY, bucketName, type BucketPurpose } from "./names";

// Type aliases, not interfaces: they are plain JSON the step stores as its output.
export type ObjectStorageOutput = {
  region: string;
  buckets: ObjectStorageBucket[];
};

export type ObjectStorageBucket = {
  name: string;
  purpose: BucketPurpose;
  encryption: "aws:kms" | "AES256";
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
 * database is touched. Every call is safe to repeat.
 */
export async function provisionObjectStorage(ctx: StepContext): Promise<ObjectStorageOutput> {
  const { environment, clients } = ctx;
  const region = environment.region;
  const byok = environment.encryptionMode === "CUSTOMER_MANAGED";
  const keyArn = byok ? environment.s3KeyArn : null;
  if (byok && !keyArn) throw new Error(`Environment ${environment.id} is customer-managed but has no S3 key ARN.`);

  const buckets: ObjectStorageBucket[] = [];
  for (const purpose of BUCKET_PURPOSES) {
    const name = bucketName(ctx.resourcePrefix, environment.id, purpose);
    const resource = `arn:aws:s3:::${name}`;
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

    const rule: ServerSideEncryptionRule = keyArn
      ? { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: keyArn }, BucketKeyEnabled: true }
      : { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } };
    await ctx.call({ service: "s3", operation: "PutBucketEncryption", resource, keyArn }, () =>
      clients.s3.send(new PutBucketEncryptionCommand({ Bucket: name, ServerSideEncryptionConfiguration: { Rules: [rule] } })),
    );

    buckets.push({
      name,
      purpose,
      encryption: keyArn ? "aws:kms" : "AES256",
      kmsKeyArn: keyArn,
      markerKey: MARKER_OBJECT_KEY,
      creation: created.ok ? "created" : "existing",
    });
  }

  for (const bucket of buckets) {
    const body = JSON.stringify({ environmentId: environment.id, purpose: bucket.purpose, writtenBy: "provisioning" }, null, 2);
    // Explicit, not left to the bucket default: the object is encrypted with this key or not at all.
    const encryption: Partial<PutObjectCommandInput> = keyArn
      ? {
          ServerSideEncryption: "aws:kms",
          SSEKMSKeyId: keyArn,
          BucketKeyEnabled: true,
          SSEKMSEncryptionContext: Buffer.from(JSON.stringify(markerEncryptionContext(ctx, bucket.purpose))).toString("base64"),
        }
      : { ServerSideEncryption: "AES256" };
    await ctx.call(
      { service: "s3", operation: "PutObject", resource: `arn:aws:s3:::${bucket.name}/${MARKER_OBJECT_KEY}`, keyArn },
      () =>
        clients.s3.send(
          new PutObjectCommand({ Bucket: bucket.name, Key: MARKER_OBJECT_KEY, Body: body, ContentType: "application/json", ...encryption }),
        ),
    );
  }

  return { region, buckets };
}
