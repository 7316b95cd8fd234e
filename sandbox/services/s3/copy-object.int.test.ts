/** S3 CopyObject: plain, SSE-KMS and SSE-C sources, metadata directives, the copy-to-itself rule. */
import { createHash, randomBytes } from "node:crypto";
import { CreateKeyCommand } from "@aws-sdk/client-kms";
import { CopyObjectCommand, CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutBucketEncryptionCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach, expect, test } from "vitest";
import type { RunningSandbox } from "../../server";
import { type ClientSet, awsError, clientsFor, startTestSandbox } from "../../test-support";

let sandbox: RunningSandbox;
let customer: ClientSet;
const BUCKET = "acme-copies";

beforeAll(async () => {
  sandbox = await startTestSandbox();
  customer = clientsFor(sandbox.url, "customer");
});
afterAll(async () => sandbox.close());
beforeEach(async () => {
  sandbox.reset();
  await customer.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

test("a copy keeps the body, metadata and checksum (COPY) or takes the request's (REPLACE)", async () => {
  await customer.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "src", Body: "original", ContentType: "text/plain", Metadata: { owner: "acme" } }));
  const copied = await customer.s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: "dst", CopySource: `${BUCKET}/src` }));
  expect(copied.CopyObjectResult).toMatchObject({ ETag: `"${createHash("md5").update("original").digest("hex")}"`, ChecksumCRC32: expect.any(String) });
  expect(copied.CopyObjectResult?.LastModified).toBeInstanceOf(Date);
  const head = await customer.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "dst" }));
  expect(head).toMatchObject({ ContentType: "text/plain", Metadata: { owner: "acme" }, ContentLength: 8 });

  await customer.s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: "dst", CopySource: `${BUCKET}/src`, MetadataDirective: "REPLACE", ContentType: "application/json", Metadata: { owner: "other" } }));
  expect(await customer.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "dst" }))).toMatchObject({ ContentType: "application/json", Metadata: { owner: "other" } });
  expect(await (await customer.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "dst" }))).Body?.transformToString()).toBe("original");

  const toItself = await awsError(() => customer.s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: "src", CopySource: `${BUCKET}/src` })));
  expect(toItself).toMatchObject({ name: "InvalidRequest", status: 400 });
  expect((await awsError(() => customer.s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: "x", CopySource: `${BUCKET}/missing` })))).name).toBe("NoSuchKey");
});

test("an SSE-KMS source is decrypted through KMS and the copy encrypted as asked", async () => {
  const keyArn = (await customer.kms.send(new CreateKeyCommand({}))).KeyMetadata?.Arn ?? "";
  await customer.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "kms", Body: "under kms", ServerSideEncryption: "aws:kms", SSEKMSKeyId: keyArn }));
  const copied = await customer.s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: "plain", CopySource: `${BUCKET}/kms`, ServerSideEncryption: "AES256" }));
  expect(copied.ServerSideEncryption).toBe("AES256");
  expect(await (await customer.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "plain" }))).Body?.transformToString()).toBe("under kms");
});

test("an SSE-C source needs its key in the copy-source headers; the copy can take a new key", async () => {
  await customer.s3.send(
    new PutBucketEncryptionCommand({ Bucket: BUCKET, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" }, BlockedEncryptionTypes: { EncryptionType: ["NONE"] } }] } }),
  );
  const oldKey = randomBytes(32).toString("base64");
  const newKey = randomBytes(32).toString("base64");
  await customer.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "sse-c", Body: "rotated", SSECustomerAlgorithm: "AES256", SSECustomerKey: oldKey }));

  const withoutKey = await awsError(() => customer.s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: "copy", CopySource: `${BUCKET}/sse-c` })));
  expect(withoutKey).toMatchObject({ name: "InvalidRequest", status: 400 });
  const wrongKey = await awsError(() =>
    customer.s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: "copy", CopySource: `${BUCKET}/sse-c`, CopySourceSSECustomerAlgorithm: "AES256", CopySourceSSECustomerKey: newKey })),
  );
  expect(wrongKey).toMatchObject({ name: "AccessDenied", status: 403 });

  // Re-encrypting an SSE-C object under a new key: a copy onto itself that changes the encryption.
  const rekeyed = await customer.s3.send(
    new CopyObjectCommand({
      Bucket: BUCKET,
      Key: "sse-c",
      CopySource: `${BUCKET}/sse-c`,
      CopySourceSSECustomerAlgorithm: "AES256",
      CopySourceSSECustomerKey: oldKey,
      SSECustomerAlgorithm: "AES256",
      SSECustomerKey: newKey,
    }),
  );
  expect(rekeyed.SSECustomerKeyMD5).toBe(createHash("md5").update(Buffer.from(newKey, "base64")).digest("base64"));
  const read = await customer.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "sse-c", SSECustomerAlgorithm: "AES256", SSECustomerKey: newKey }));
  expect(await read.Body?.transformToString()).toBe("rotated");
  expect((await awsError(() => customer.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "sse-c", SSECustomerAlgorithm: "AES256", SSECustomerKey: oldKey })))).status).toBe(403);
});
