/**
 * SSE-C: the caller sends an AES-256 key with every write and read of the object. S3 encrypts
 * with it and forgets it, keeping only a salted HMAC of the key to recognise it on later reads
 * (S3 User Guide, "Using server-side encryption with customer-provided keys"). The sandbox does
 * the same: AES-256-GCM under the caller's key, a random salt and HMAC-SHA256 kept, never the key.
 *
 * Real S3 refuses SSE-C over plain HTTP; the sandbox only speaks HTTP on loopback, so it accepts
 * SSE-C there.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { ServiceError } from "../../errors";
import { type Input, optString } from "../../input";
import { openWithDataKey, sealWithDataKey } from "../kms/crypto";
import type { CustomerKeyRecord } from "./model";

/** A customer key that passed S3's checks: the raw key and its MD5 as the caller sent it. */
export interface CustomerKey {
  key: Buffer;
  keyMd5: string;
}

const invalidArgument = (message: string) => new ServiceError("InvalidArgument", message, 400);

/**
 * The SSE-C triple of a request, checked as S3 checks it; undefined when the request has none.
 * `prefix` "CopySource" reads the key of a copy's source object.
 */
export function readCustomerKey(input: Input, prefix: "" | "CopySource" = ""): CustomerKey | undefined {
  const algorithm = optString(input, `${prefix}SSECustomerAlgorithm`);
  const keyText = optString(input, `${prefix}SSECustomerKey`);
  const keyMd5 = optString(input, `${prefix}SSECustomerKeyMD5`);
  if (algorithm === undefined && keyText === undefined && keyMd5 === undefined) return undefined;
  if (algorithm === undefined) {
    throw invalidArgument("Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.");
  }
  if (algorithm !== "AES256") {
    throw new ServiceError("InvalidEncryptionAlgorithmError", "The Encryption request you specified is not valid. Supported value: AES256.", 400);
  }
  if (keyText === undefined) {
    throw invalidArgument("Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.");
  }
  if (keyMd5 === undefined) {
    throw invalidArgument("Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key.");
  }
  const key = Buffer.from(keyText, "base64");
  // AES256 takes a 256-bit key; anything else, or text that is not base64 of one, is refused.
  if (key.length !== 32 || key.toString("base64") !== keyText.replace(/\s/g, "")) {
    throw invalidArgument("The secret key was invalid for the specified algorithm.");
  }
  if (createHash("md5").update(key).digest("base64") !== keyMd5) {
    throw invalidArgument("The calculated MD5 hash of the key did not match the hash that was provided.");
  }
  return { key, keyMd5 };
}

function keyHmac(key: Buffer, salt: Buffer): Buffer {
  return createHmac("sha256", salt).update(key).digest();
}

/** Encrypts a body under the customer's key; returns what the object keeps. */
export function sealWithCustomerKey(customer: CustomerKey, body: Buffer): { body: string; iv: string; tag: string; record: CustomerKeyRecord } {
  const salt = randomBytes(16);
  const sealed = sealWithDataKey(customer.key, body);
  return {
    body: sealed.body.toString("base64"),
    iv: sealed.iv.toString("base64"),
    tag: sealed.tag.toString("base64"),
    record: { algorithm: "AES256", keyMd5: customer.keyMd5, salt: salt.toString("base64"), hmac: keyHmac(customer.key, salt).toString("base64") },
  };
}

/**
 * The key a read of an SSE-C object must present: none → 400 InvalidRequest; another key →
 * 403 AccessDenied. A read presenting a key for an object without SSE-C is refused too.
 */
export function checkCustomerKeyForRead(record: CustomerKeyRecord | undefined, presented: CustomerKey | undefined): void {
  if (!record) {
    if (presented) throw new ServiceError("InvalidRequest", "The encryption parameters are not applicable to this object.", 400);
    return;
  }
  if (!presented) {
    throw new ServiceError("InvalidRequest", "The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.", 400);
  }
  const expected = Buffer.from(record.hmac, "base64");
  const actual = keyHmac(presented.key, Buffer.from(record.salt, "base64"));
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) throw new ServiceError("AccessDenied", "Access Denied", 403);
}

/** Decrypts an SSE-C body with a key `checkCustomerKeyForRead` accepted. */
export function openWithCustomerKey(presented: CustomerKey, body: Buffer, iv: string, tag: string): Buffer {
  return openWithDataKey(presented.key, body, Buffer.from(iv, "base64"), Buffer.from(tag, "base64"));
}
