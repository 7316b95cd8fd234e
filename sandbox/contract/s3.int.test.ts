/** S3 answers (headers and bodies) against @aws-sdk/client-s3's model, for the operations the portal calls. */
import { randomBytes } from "node:crypto";
import { CreateKeyCommand } from "@aws-sdk/client-kms";
import {
  CopyObjectCommand, CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, GetBucketEncryptionCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand,
  ListObjectsV2Command, PutBucketEncryptionCommand, PutObjectCommand, PutPublicAccessBlockCommand,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach, expect, test } from "vitest";
import type { RunningSandbox } from "../server";
import { startTestSandbox } from "../test-support";
import { expectContract } from "./models";
import { type RecordingClients, recordingClients } from "./recording";

const REGION = "eu-west-1";
const BUCKET = "acme-contract";

let sandbox: RunningSandbox;
let customer: RecordingClients;
let keyArn: string;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  customer = recordingClients(sandbox.url, "customer", REGION);
});
afterAll(async () => sandbox.close());
beforeEach(async () => {
  sandbox.reset();
  keyArn = (await customer.kms.send(new CreateKeyCommand({}))).KeyMetadata?.Arn ?? "";
  await customer.s3.send(new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION } }));
});

const s3 = <T>(operation: string, call: () => Promise<T>) => expectContract(customer.handler, "s3", operation, call);

test("CreateBucket, HeadBucket, DeleteBucket", async () => {
  await s3("CreateBucket", () => customer.s3.send(new CreateBucketCommand({ Bucket: "acme-contract-2", CreateBucketConfiguration: { LocationConstraint: REGION } })));
  await s3("HeadBucket", () => customer.s3.send(new HeadBucketCommand({ Bucket: "acme-contract-2" })));
  await s3("DeleteBucket", () => customer.s3.send(new DeleteBucketCommand({ Bucket: "acme-contract-2" })));
});

test("PutBucketEncryption, GetBucketEncryption (default and SSE-KMS), PutPublicAccessBlock", async () => {
  await s3("GetBucketEncryption", () => customer.s3.send(new GetBucketEncryptionCommand({ Bucket: BUCKET })));
  await s3("PutBucketEncryption", () =>
    customer.s3.send(
      new PutBucketEncryptionCommand({
        Bucket: BUCKET,
        ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: keyArn }, BucketKeyEnabled: true }] },
      }),
    ),
  );
  await s3("GetBucketEncryption", () => customer.s3.send(new GetBucketEncryptionCommand({ Bucket: BUCKET })));
  await s3("PutPublicAccessBlock", () =>
    customer.s3.send(new PutPublicAccessBlockCommand({ Bucket: BUCKET, PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } })),
  );
});

test("PutObject, HeadObject, GetObject, DeleteObject with SSE-KMS and the SDK's default CRC32", async () => {
  await customer.s3.send(new PutBucketEncryptionCommand({ Bucket: BUCKET, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: keyArn } }] } }));
  const put = await s3("PutObject", () => customer.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "canary/object", Body: "canary", ContentType: "text/plain", Metadata: { purpose: "canary" } })));
  expect(put.ChecksumCRC32).toBeDefined();
  await s3("HeadObject", () => customer.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "canary/object", ChecksumMode: "ENABLED" })));
  const got = await s3("GetObject", () => customer.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "canary/object" })));
  expect(await got.Body?.transformToString()).toBe("canary");
  await s3("ListObjectsV2", () => customer.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "canary/", Delimiter: "/" })));
  await s3("CopyObject", () => customer.s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: "canary/copy", CopySource: `${BUCKET}/canary/object` })));
  await s3("DeleteObject", () => customer.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: "canary/object" })));
});

test("PutObject, HeadObject, GetObject with a customer-provided key (SSE-C)", async () => {
  await customer.s3.send(
    new PutBucketEncryptionCommand({ Bucket: BUCKET, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" }, BlockedEncryptionTypes: { EncryptionType: ["NONE"] } }] } }),
  );
  await s3("GetBucketEncryption", () => customer.s3.send(new GetBucketEncryptionCommand({ Bucket: BUCKET })));
  const sse = { SSECustomerAlgorithm: "AES256", SSECustomerKey: randomBytes(32).toString("base64") };
  await s3("PutObject", () => customer.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "sse-c", Body: "secret", ...sse })));
  await s3("HeadObject", () => customer.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "sse-c", ...sse })));
  await s3("GetObject", () => customer.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "sse-c", ...sse })));
  const copySource = { CopySourceSSECustomerAlgorithm: "AES256", CopySourceSSECustomerKey: sse.SSECustomerKey };
  await s3("CopyObject", () => customer.s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: "sse-c-copy", CopySource: `${BUCKET}/sse-c`, ...copySource, ...sse })));
});
