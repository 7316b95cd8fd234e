/**
 * S3 additional checksums (S3 User Guide, "Checking object integrity"): the caller sends the
 * checksum of the body in `x-amz-checksum-<algorithm>` (or, streaming, in an aws-chunked
 * trailer); S3 computes its own, refuses a mismatch with BadDigest, stores it with the object
 * and returns it on writes, and on reads asked with `x-amz-checksum-mode: ENABLED`.
 * Single-part uploads have full-object checksums.
 */
import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";
import { ServiceError } from "../../errors";
import { type Input, optString } from "../../input";
import type { StoredChecksum } from "./model";

/** The algorithms the sandbox computes. CRC32C and CRC64NVME have no implementation in Node. */
const ALGORITHMS = {
  CRC32: { member: "ChecksumCRC32", label: "CRC32", compute: (body: Buffer) => crc32Bytes(body) },
  SHA1: { member: "ChecksumSHA1", label: "sha1", compute: (body: Buffer) => createHash("sha1").update(body).digest() },
  SHA256: { member: "ChecksumSHA256", label: "sha256", compute: (body: Buffer) => createHash("sha256").update(body).digest() },
} as const;

type Algorithm = keyof typeof ALGORITHMS;

const UNSUPPORTED_MEMBERS = ["ChecksumCRC32C", "ChecksumCRC64NVME"];

function crc32Bytes(body: Buffer): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(body) >>> 0);
  return out;
}

function isAlgorithm(name: string): name is Algorithm {
  return name in ALGORITHMS;
}

/**
 * Checks the checksum a PutObject carries against the body. Returns what to store, or undefined
 * when the request has none (S3 then stores none either for a plain single-part upload).
 */
export function verifyChecksum(input: Input, body: Buffer): StoredChecksum | undefined {
  const declared = optString(input, "ChecksumAlgorithm")?.toUpperCase();
  if (UNSUPPORTED_MEMBERS.some((member) => optString(input, member) !== undefined) || declared === "CRC32C" || declared === "CRC64NVME") {
    throw new ServiceError("NotImplemented", "The sandbox computes CRC32, SHA1 and SHA256 checksums only.", 501);
  }
  const sent = (Object.keys(ALGORITHMS) as Algorithm[]).filter((name) => optString(input, ALGORITHMS[name].member) !== undefined);
  if (sent.length > 1) throw new ServiceError("InvalidRequest", "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.", 400);
  const algorithm = sent[0];
  if (declared !== undefined && !isAlgorithm(declared)) {
    throw new ServiceError("InvalidRequest", "Value for x-amz-sdk-checksum-algorithm header is invalid.", 400);
  }
  if (algorithm === undefined) {
    if (declared === undefined) return undefined;
    throw new ServiceError("InvalidRequest", `x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.`, 400);
  }
  const spec = ALGORITHMS[algorithm];
  if (declared !== undefined && declared !== algorithm) throw new ServiceError("BadDigest", `The ${spec.label} you specified did not match the calculated checksum.`, 400);
  const value = optString(input, spec.member) ?? "";
  const computed = spec.compute(body).toString("base64");
  if (value !== computed) throw new ServiceError("BadDigest", `The ${spec.label} you specified did not match the calculated checksum.`, 400);
  return { algorithm, value: computed };
}

/** The response members for a stored checksum. */
export function checksumOutput(checksum: StoredChecksum): Record<string, string> {
  return { [ALGORITHMS[checksum.algorithm].member]: checksum.value, ChecksumType: "FULL_OBJECT" };
}
