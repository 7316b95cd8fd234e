/** S3 SSE-C (customer-provided keys) through the real SDK client and over the raw wire. */
import { createHash, randomBytes } from "node:crypto";
import { CreateBucketCommand, GetBucketEncryptionCommand, GetObjectCommand, HeadObjectCommand, PutBucketEncryptionCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach, expect, test } from "vitest";
import type { RunningSandbox } from "../../server";
import { type ClientSet, awsError, clientsFor, rawCall, sandboxJson, startTestSandbox } from "../../test-support";

let sandbox: RunningSandbox;
let customer: ClientSet;

const BUCKET = "acme-sse-c";
const key = randomBytes(32);
const keyBase64 = key.toString("base64");
const keyMd5 = createHash("md5").update(key).digest("base64");
const otherKey = randomBytes(32).toString("base64");

function sseHeaders(base64Key: string, md5 = createHash("md5").update(Buffer.from(base64Key, "base64")).digest("base64")): Record<string, string> {
  return {
    "x-amz-server-side-encryption-customer-algorithm": "AES256",
    "x-amz-server-side-encryption-customer-key": base64Key,
    "x-amz-server-side-encryption-customer-key-md5": md5,
  };
}

beforeAll(async () => {
  sandbox = await startTestSandbox();
  customer = clientsFor(sandbox.url, "customer");
});
afterAll(async () => sandbox.close());
beforeEach(async () => {
  sandbox.reset();
  await customer.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

/** New buckets block SSE-C writes (since April 2026); the portal unblocks it in the bucket's encryption configuration. */
async function allowSseC(): Promise<void> {
  await customer.s3.send(
    new PutBucketEncryptionCommand({
      Bucket: BUCKET,
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" }, BlockedEncryptionTypes: { EncryptionType: ["NONE"] } }] },
    }),
  );
}

test("a new bucket blocks SSE-C writes with 403 AccessDenied until its encryption configuration unblocks it", async () => {
  const rule = (await customer.s3.send(new GetBucketEncryptionCommand({ Bucket: BUCKET }))).ServerSideEncryptionConfiguration?.Rules?.[0];
  expect(rule?.BlockedEncryptionTypes?.EncryptionType).toEqual(["SSE-C"]);
  const blocked = await awsError(() => customer.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "a", Body: "x", SSECustomerAlgorithm: "AES256", SSECustomerKey: keyBase64 })));
  expect(blocked).toMatchObject({ name: "AccessDenied", status: 403 });
  await allowSseC();
  const allowed = (await customer.s3.send(new GetBucketEncryptionCommand({ Bucket: BUCKET }))).ServerSideEncryptionConfiguration?.Rules?.[0];
  expect(allowed?.BlockedEncryptionTypes?.EncryptionType).toEqual(["NONE"]);
  await customer.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "a", Body: "x", SSECustomerAlgorithm: "AES256", SSECustomerKey: keyBase64 }));
});

test("the SDK's PutObject with a customer key stores the object encrypted; reads need the same key", async () => {
  await allowSseC();
  const put = await customer.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "secret.txt", Body: "customer data", SSECustomerAlgorithm: "AES256", SSECustomerKey: keyBase64 }));
  expect(put).toMatchObject({ SSECustomerAlgorithm: "AES256", SSECustomerKeyMD5: keyMd5 });
  expect(put.ServerSideEncryption).toBeUndefined();

  const got = await customer.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "secret.txt", SSECustomerAlgorithm: "AES256", SSECustomerKey: keyBase64 }));
  expect(await got.Body?.transformToString()).toBe("customer data");
  expect(got).toMatchObject({ SSECustomerAlgorithm: "AES256", SSECustomerKeyMD5: keyMd5, AcceptRanges: "bytes" });
  const head = await customer.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "secret.txt", SSECustomerAlgorithm: "AES256", SSECustomerKey: keyBase64 }));
  expect(head).toMatchObject({ SSECustomerAlgorithm: "AES256", SSECustomerKeyMD5: keyMd5, ContentLength: 13 });

  // The stored state holds neither the plaintext nor the key.
  const state = JSON.stringify(await sandboxJson<unknown>(sandbox.url, "/_sandbox/state"));
  expect(state).not.toContain(Buffer.from("customer data").toString("base64"));
  expect(state).not.toContain(keyBase64);
  expect(state).toContain(keyMd5);

  const withoutKey = await awsError(() => customer.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "secret.txt" })));
  expect(withoutKey).toEqual({
    name: "InvalidRequest",
    message: "The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.",
    status: 400,
  });
  const wrongKey = await awsError(() => customer.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "secret.txt", SSECustomerAlgorithm: "AES256", SSECustomerKey: otherKey })));
  expect(wrongKey).toMatchObject({ name: "AccessDenied", message: "Access Denied", status: 403 });
  expect((await awsError(() => customer.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "secret.txt" })))).status).toBe(400);
  expect((await awsError(() => customer.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "secret.txt", SSECustomerAlgorithm: "AES256", SSECustomerKey: otherKey })))).status).toBe(403);
});

test("S3's checks of the customer key: algorithm, length, MD5; HEAD errors carry no body", async () => {
  await allowSseC();
  const put = (headers: Record<string, string>) => rawCall(sandbox.url, { identity: "customer", service: "s3", method: "PUT", path: `/${BUCKET}/k`, headers, body: "data" });
  const errorOf = (body: Buffer) => /<Code>(.*?)<\/Code><Message>(.*?)<\/Message>/.exec(body.toString("utf8"))?.slice(1);

  const wrongMd5 = await put(sseHeaders(keyBase64, createHash("md5").update("other").digest("base64")));
  expect(wrongMd5.status).toBe(400);
  expect(errorOf(wrongMd5.body)).toEqual(["InvalidArgument", "The calculated MD5 hash of the key did not match the hash that was provided."]);

  const shortKey = randomBytes(16).toString("base64");
  const tooShort = await put(sseHeaders(shortKey));
  expect(tooShort.status).toBe(400);
  expect(errorOf(tooShort.body)).toEqual(["InvalidArgument", "The secret key was invalid for the specified algorithm."]);

  const badAlgorithm = await put({ ...sseHeaders(keyBase64), "x-amz-server-side-encryption-customer-algorithm": "AES128" });
  expect(errorOf(badAlgorithm.body)?.[0]).toBe("InvalidEncryptionAlgorithmError");
  const noMd5 = await put({ "x-amz-server-side-encryption-customer-algorithm": "AES256", "x-amz-server-side-encryption-customer-key": keyBase64 });
  expect(errorOf(noMd5.body)).toEqual(["InvalidArgument", "Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key."]);
  const withSse = await put({ ...sseHeaders(keyBase64), "x-amz-server-side-encryption": "AES256" });
  expect(errorOf(withSse.body)?.[0]).toBe("InvalidArgument");

  const stored = await put(sseHeaders(keyBase64));
  expect(stored.status).toBe(200);
  expect(stored.headers.get("x-amz-server-side-encryption-customer-algorithm")).toBe("AES256");
  expect(stored.headers.get("x-amz-server-side-encryption-customer-key-md5")).toBe(keyMd5);

  const head = await rawCall(sandbox.url, { identity: "customer", service: "s3", method: "HEAD", path: `/${BUCKET}/k`, headers: sseHeaders(otherKey) });
  expect(head.status).toBe(403);
  expect(head.body.length).toBe(0);
  const get = await rawCall(sandbox.url, { identity: "customer", service: "s3", method: "GET", path: `/${BUCKET}/k`, headers: sseHeaders(keyBase64) });
  expect(get.status).toBe(200);
  expect(get.body.toString("utf8")).toBe("data");

  // A key presented for an object stored without SSE-C is refused too.
  await customer.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "plain", Body: "p" }));
  const plainWithKey = await rawCall(sandbox.url, { identity: "customer", service: "s3", method: "GET", path: `/${BUCKET}/plain`, headers: sseHeaders(keyBase64) });
  expect(plainWithKey.status).toBe(400);
  expect(errorOf(plainWithKey.body)?.[0]).toBe("InvalidRequest");
});
