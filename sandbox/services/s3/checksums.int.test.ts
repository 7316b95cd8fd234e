/** S3 additional checksums and Accept-Ranges: what the SDK sends by default, and the raw wire. */
import { Readable } from "node:stream";
import { crc32 } from "node:zlib";
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach, expect, test } from "vitest";
import type { RunningSandbox } from "../../server";
import { type ClientSet, awsError, clientsFor, rawCall, startTestSandbox } from "../../test-support";

let sandbox: RunningSandbox;
let customer: ClientSet;
const BUCKET = "acme-checksums";

function crc32Base64(text: string): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(Buffer.from(text)) >>> 0);
  return out.toString("base64");
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

test("the SDK's default CRC32 is validated and echoed; reads return it with ChecksumMode ENABLED", async () => {
  const put = await customer.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "a.txt", Body: "hello checksums" }));
  expect(put).toMatchObject({ ChecksumCRC32: crc32Base64("hello checksums"), ChecksumType: "FULL_OBJECT" });

  const head = await customer.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "a.txt", ChecksumMode: "ENABLED" }));
  expect(head).toMatchObject({ AcceptRanges: "bytes", ChecksumCRC32: crc32Base64("hello checksums"), ChecksumType: "FULL_OBJECT" });
  expect((await customer.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "a.txt" }))).ChecksumCRC32).toBeUndefined();

  const got = await customer.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "a.txt", ChecksumMode: "ENABLED" }));
  expect(got).toMatchObject({ AcceptRanges: "bytes", ChecksumCRC32: crc32Base64("hello checksums") });
  expect(await got.Body?.transformToString()).toBe("hello checksums");
});

test("a streamed body travels aws-chunked with the CRC32 in a trailer, validated like a header", async () => {
  const put = await customer.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "streamed", Body: Readable.from([Buffer.from("part one, "), Buffer.from("part two")]), ContentLength: 18 }));
  expect(put.ChecksumCRC32).toBe(crc32Base64("part one, part two"));

  const chunked = (trailerValue: string) =>
    rawCall(sandbox.url, {
      identity: "customer",
      service: "s3",
      method: "PUT",
      path: `/${BUCKET}/raw-chunked`,
      headers: {
        "content-encoding": "aws-chunked",
        "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "x-amz-decoded-content-length": "5",
        "x-amz-trailer": "x-amz-checksum-crc32",
        "x-amz-sdk-checksum-algorithm": "CRC32",
      },
      body: `5\r\nhello\r\n0\r\nx-amz-checksum-crc32:${trailerValue}\r\n\r\n`,
    });
  const good = await chunked(crc32Base64("hello"));
  expect(good.status).toBe(200);
  expect(good.headers.get("x-amz-checksum-crc32")).toBe(crc32Base64("hello"));
  const bad = await chunked(crc32Base64("jello"));
  expect(bad.status).toBe(400);
  expect(bad.body.toString("utf8")).toContain("<Code>BadDigest</Code><Message>The CRC32 you specified did not match the calculated checksum.</Message>");
});

test("a wrong CRC32 header is refused with BadDigest and nothing is stored", async () => {
  const wrong = await awsError(() => customer.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "b.txt", Body: "payload", ChecksumCRC32: crc32Base64("other") })));
  expect(wrong).toEqual({ name: "BadDigest", message: "The CRC32 you specified did not match the calculated checksum.", status: 400 });
  expect((await awsError(() => customer.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "b.txt" })))).status).toBe(404);
});

test("HeadObject and GetObject answer Accept-Ranges: bytes on the wire", async () => {
  await customer.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "c", Body: "c" }));
  for (const method of ["HEAD", "GET"]) {
    const res = await rawCall(sandbox.url, { identity: "customer", service: "s3", method, path: `/${BUCKET}/c` });
    expect(res.headers.get("accept-ranges")).toBe("bytes");
  }
});
