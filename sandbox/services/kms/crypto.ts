/**
 * KMS ciphertext blobs: AES-256-GCM under the key's material, with the key id and the
 * canonical encryption context as additional authenticated data, so a blob only decrypts
 * under the same key (or a replica of the same multi-Region key) and the same context.
 *
 * Layout: "SBK1" | u16 arnLength | key ARN (utf8) | iv (12) | tag (16) | ciphertext.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const MAGIC = Buffer.from("SBK1");

export function canonicalContext(context: Record<string, string> | undefined): string {
  if (!context) return "{}";
  const sorted = Object.keys(context)
    .sort()
    .map((k) => [k, context[k] ?? ""]);
  return JSON.stringify(sorted);
}

function aad(keyId: string, context: Record<string, string> | undefined): Buffer {
  return Buffer.from(`${keyId}\n${canonicalContext(context)}`);
}

export function newKeyMaterial(): string {
  return randomBytes(32).toString("base64");
}

export function encryptBlob(keyArn: string, keyId: string, material: string, plaintext: Buffer, context: Record<string, string> | undefined): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", Buffer.from(material, "base64"), iv);
  cipher.setAAD(aad(keyId, context));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const arn = Buffer.from(keyArn);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(arn.length);
  return Buffer.concat([MAGIC, length, arn, iv, cipher.getAuthTag(), ciphertext]);
}

export interface ParsedBlob {
  keyArn: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

export function parseBlob(blob: Buffer): ParsedBlob | undefined {
  if (blob.length < 6 || !blob.subarray(0, 4).equals(MAGIC)) return undefined;
  const arnLength = blob.readUInt16BE(4);
  const arnEnd = 6 + arnLength;
  if (blob.length < arnEnd + 28) return undefined;
  return {
    keyArn: blob.subarray(6, arnEnd).toString("utf8"),
    iv: blob.subarray(arnEnd, arnEnd + 12),
    tag: blob.subarray(arnEnd + 12, arnEnd + 28),
    ciphertext: blob.subarray(arnEnd + 28),
  };
}

/** Returns undefined when authentication fails (wrong key material or wrong context). */
export function decryptBlob(parsed: ParsedBlob, keyId: string, material: string, context: Record<string, string> | undefined): Buffer | undefined {
  try {
    const decipher = createDecipheriv("aes-256-gcm", Buffer.from(material, "base64"), parsed.iv);
    decipher.setAAD(aad(keyId, context));
    decipher.setAuthTag(parsed.tag);
    return Buffer.concat([decipher.update(parsed.ciphertext), decipher.final()]);
  } catch {
    return undefined;
  }
}

/** Data encryption with a plain data key (what S3 does with the key KMS hands it). */
export function sealWithDataKey(dataKey: Buffer, plaintext: Buffer): { body: Buffer; iv: Buffer; tag: Buffer } {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", dataKey, iv);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { body, iv, tag: cipher.getAuthTag() };
}

export function openWithDataKey(dataKey: Buffer, body: Buffer, iv: Buffer, tag: Buffer): Buffer {
  const decipher = createDecipheriv("aes-256-gcm", dataKey, iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(body), decipher.final()]);
}
