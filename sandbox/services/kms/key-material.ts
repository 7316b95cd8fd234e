/**
 * Key material of every key spec, and the cryptography done with it: RSA and ECC signatures,
 * RSA encryption, HMACs, and unwrapping material for import. Material is kept as base64 in the
 * state: raw bytes for symmetric and HMAC keys, a PKCS #8 (DER) private key for asymmetric
 * keys, so signatures made before a restart verify after it.
 */
import {
  type KeyObject,
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  privateDecrypt,
  privateEncrypt,
  publicDecrypt,
  publicEncrypt,
  randomBytes,
  sign as nodeSign,
  timingSafeEqual,
  verify as nodeVerify,
} from "node:crypto";
import { promisify } from "node:util";
import { ecdsaSignDigest, ecdsaVerifyDigest } from "./ecdsa";

const generateKeyPairAsync = promisify(generateKeyPair);

export type Hash = "sha1" | "sha224" | "sha256" | "sha384" | "sha512";

const RSA_BITS: Record<string, number> = { RSA_2048: 2048, RSA_3072: 3072, RSA_4096: 4096 };

/** Node's (OpenSSL's) names of the curves of the ECC key specs. */
export const ECC_CURVES: Record<string, string> = {
  ECC_NIST_P256: "prime256v1",
  ECC_NIST_P384: "secp384r1",
  ECC_NIST_P521: "secp521r1",
  ECC_SECG_P256K1: "secp256k1",
};

/** HMAC key specs: the key is as long as the hash (KMS Developer Guide, "Key spec reference"). */
const HMAC_BYTES: Record<string, number> = { HMAC_224: 28, HMAC_256: 32, HMAC_384: 48, HMAC_512: 64 };

export function isRsaSpec(spec: string): boolean {
  return spec in RSA_BITS;
}

export function isEccSpec(spec: string): boolean {
  return spec in ECC_CURVES;
}

export function isAsymmetricSpec(spec: string): boolean {
  return isRsaSpec(spec) || isEccSpec(spec);
}

export function isHmacSpec(spec: string): boolean {
  return spec in HMAC_BYTES;
}

/** New material for a key spec (RSA key generation takes a while, so it does not block the server). */
export async function generateMaterial(spec: string): Promise<string> {
  const bits = RSA_BITS[spec];
  const curve = ECC_CURVES[spec];
  if (bits !== undefined) {
    const { privateKey } = await generateKeyPairAsync("rsa", { modulusLength: bits, publicExponent: 65537 });
    return privateKey.export({ format: "der", type: "pkcs8" }).toString("base64");
  }
  if (curve !== undefined) {
    const { privateKey } = await generateKeyPairAsync("ec", { namedCurve: curve });
    return privateKey.export({ format: "der", type: "pkcs8" }).toString("base64");
  }
  return randomBytes(HMAC_BYTES[spec] ?? 32).toString("base64");
}

export function privateKeyOf(material: string): KeyObject {
  return createPrivateKey({ key: Buffer.from(material, "base64"), format: "der", type: "pkcs8" });
}

/** The public key as GetPublicKey returns it: a DER-encoded X.509 SubjectPublicKeyInfo. */
export function publicKeyDer(material: string): Buffer {
  return createPublicKey(privateKeyOf(material)).export({ format: "der", type: "spki" });
}

// --- Algorithms each key spec supports (KMS Developer Guide, "Key spec reference") ---

const RSA_SIGNING = ["RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512", "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512"];
const ECC_SIGNING: Record<string, string> = {
  ECC_NIST_P256: "ECDSA_SHA_256",
  ECC_NIST_P384: "ECDSA_SHA_384",
  ECC_NIST_P521: "ECDSA_SHA_512",
  ECC_SECG_P256K1: "ECDSA_SHA_256",
};
export const RSA_ENCRYPTION_ALGORITHMS = ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"];

export function signingAlgorithms(spec: string): string[] {
  if (isRsaSpec(spec)) return RSA_SIGNING;
  const ecdsa = ECC_SIGNING[spec];
  return ecdsa ? [ecdsa] : [];
}

export function macAlgorithm(spec: string): string | undefined {
  return isHmacSpec(spec) ? `HMAC_SHA_${spec.slice("HMAC_".length)}` : undefined;
}

function hashOf(algorithm: string): Hash {
  if (algorithm.endsWith("_SHA_1")) return "sha1";
  if (algorithm.endsWith("_224")) return "sha224";
  if (algorithm.endsWith("_384")) return "sha384";
  if (algorithm.endsWith("_512")) return "sha512";
  return "sha256";
}

export const DIGEST_BYTES: Record<Hash, number> = { sha1: 20, sha224: 28, sha256: 32, sha384: 48, sha512: 64 };

/** The bytes a DIGEST message must have for a signing algorithm. */
export function digestLength(algorithm: string): number {
  return DIGEST_BYTES[hashOf(algorithm)];
}

// --- Signatures ---

/** DigestInfo prefixes of PKCS #1 v1.5 signatures (RFC 8017, section 9.2, note 1). */
const DIGEST_INFO: Record<string, string> = {
  sha256: "3031300d060960864801650304020105000420",
  sha384: "3041300d060960864801650304020205000430",
  sha512: "3051300d060960864801650304020305000440",
};

function mgf1(hash: Hash, seed: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  for (let counter = 0; blocks.length * DIGEST_BYTES[hash] < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    blocks.push(createHash(hash).update(seed).update(c).digest());
  }
  return Buffer.concat(blocks).subarray(0, length);
}

function modulusBits(key: KeyObject): number {
  return key.asymmetricKeyDetails?.modulusLength ?? 0;
}

/** EMSA-PSS encoding of a digest, salt as long as the hash (RFC 8017, section 9.1.1). */
function pssEncode(hash: Hash, digest: Buffer, emBits: number): Buffer {
  const hLen = DIGEST_BYTES[hash];
  const emLen = Math.ceil(emBits / 8);
  const salt = randomBytes(hLen);
  const h = createHash(hash).update(Buffer.alloc(8)).update(digest).update(salt).digest();
  const db = Buffer.concat([Buffer.alloc(emLen - 2 * hLen - 2), Buffer.from([1]), salt]);
  const masked = mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i++) masked[i] = (db[i] ?? 0) ^ (masked[i] ?? 0);
  masked[0] = (masked[0] ?? 0) & (0xff >> (8 * emLen - emBits));
  return Buffer.concat([masked, h, Buffer.from([0xbc])]);
}

/** EMSA-PSS verification against a digest (RFC 8017, section 9.1.2), salt as long as the hash. */
function pssVerify(hash: Hash, digest: Buffer, em: Buffer, emBits: number): boolean {
  const hLen = DIGEST_BYTES[hash];
  const emLen = Math.ceil(emBits / 8);
  if (em.length !== emLen || em[emLen - 1] !== 0xbc) return false;
  const masked = em.subarray(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const topMask = 0xff >> (8 * emLen - emBits);
  if (((masked[0] ?? 0) & ~topMask) !== 0) return false;
  const db = mgf1(hash, h, masked.length);
  for (let i = 0; i < db.length; i++) db[i] = (db[i] ?? 0) ^ (masked[i] ?? 0);
  db[0] = (db[0] ?? 0) & topMask;
  const separator = emLen - 2 * hLen - 2;
  if (!db.subarray(0, separator).equals(Buffer.alloc(separator)) || db[separator] !== 1) return false;
  const salt = db.subarray(separator + 1);
  const expected = createHash(hash).update(Buffer.alloc(8)).update(digest).update(salt).digest();
  return timingSafeEqual(expected, h);
}

function digestOf(algorithm: string, message: Buffer, messageType: "RAW" | "DIGEST"): Buffer {
  return messageType === "DIGEST" ? message : createHash(hashOf(algorithm)).update(message).digest();
}

/**
 * A signature as KMS makes it: RSASSA-PSS with a salt as long as the hash, PKCS #1 v1.5, or
 * DER-encoded ECDSA. A DIGEST message is signed as given, without hashing it again.
 */
export function signMessage(material: string, algorithm: string, message: Buffer, messageType: "RAW" | "DIGEST"): Buffer {
  const key = privateKeyOf(material);
  const hash = hashOf(algorithm);
  if (algorithm.startsWith("ECDSA_")) {
    return messageType === "RAW" ? nodeSign(hash, message, { key, dsaEncoding: "der" }) : ecdsaSignDigest(key, message);
  }
  if (messageType === "RAW") {
    const padding = algorithm.startsWith("RSASSA_PSS_") ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING;
    return nodeSign(hash, message, { key, padding, saltLength: DIGEST_BYTES[hash] });
  }
  if (algorithm.startsWith("RSASSA_PSS_")) {
    const bits = modulusBits(key);
    return privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, leftPad(pssEncode(hash, message, bits - 1), Math.ceil(bits / 8)));
  }
  return privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([Buffer.from(DIGEST_INFO[hash] ?? "", "hex"), message]));
}

function leftPad(bytes: Buffer, length: number): Buffer {
  return bytes.length >= length ? bytes : Buffer.concat([Buffer.alloc(length - bytes.length), bytes]);
}

export function verifySignature(material: string, algorithm: string, message: Buffer, messageType: "RAW" | "DIGEST", signature: Buffer): boolean {
  const privateKey = privateKeyOf(material);
  const key = createPublicKey(privateKey);
  const hash = hashOf(algorithm);
  try {
    if (algorithm.startsWith("ECDSA_")) {
      return messageType === "RAW" ? nodeVerify(hash, message, { key, dsaEncoding: "der" }, signature) : ecdsaVerifyDigest(privateKey, message, signature);
    }
    const bits = modulusBits(key);
    if (signature.length !== Math.ceil(bits / 8)) return false;
    if (messageType === "RAW") {
      const padding = algorithm.startsWith("RSASSA_PSS_") ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING;
      return nodeVerify(hash, message, { key, padding, saltLength: DIGEST_BYTES[hash] }, signature);
    }
    const digest = digestOf(algorithm, message, messageType);
    if (algorithm.startsWith("RSASSA_PSS_")) {
      const em = publicDecrypt({ key, padding: constants.RSA_NO_PADDING }, signature);
      const emLen = Math.ceil((bits - 1) / 8);
      return pssVerify(hash, digest, em.subarray(em.length - emLen), bits - 1);
    }
    const decoded = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
    return decoded.equals(Buffer.concat([Buffer.from(DIGEST_INFO[hash] ?? "", "hex"), digest]));
  } catch {
    // A signature OpenSSL cannot even parse is simply not valid.
    return false;
  }
}

// --- HMAC ---

export function computeMac(material: string, algorithm: string, message: Buffer): Buffer {
  return createHmac(hashOf(algorithm), Buffer.from(material, "base64")).update(message).digest();
}

export function macMatches(material: string, algorithm: string, message: Buffer, mac: Buffer): boolean {
  const expected = computeMac(material, algorithm, message);
  return expected.length === mac.length && timingSafeEqual(expected, mac);
}

// --- RSA encryption (RSAES-OAEP with MGF1 on the same hash) ---

/** The largest plaintext RSAES-OAEP takes: modulus bytes − 2 × hash bytes − 2 (RFC 8017, section 7.1.1). */
export function maxOaepPlaintext(spec: string, algorithm: string): number {
  return (RSA_BITS[spec] ?? 0) / 8 - 2 * DIGEST_BYTES[hashOf(algorithm)] - 2;
}

export function rsaEncrypt(material: string, algorithm: string, plaintext: Buffer): Buffer {
  return publicEncrypt({ key: createPublicKey(privateKeyOf(material)), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hashOf(algorithm) }, plaintext);
}

/** Undefined when the ciphertext does not decrypt under this key and algorithm. */
export function rsaDecrypt(material: string, algorithm: string, ciphertext: Buffer): Buffer | undefined {
  try {
    return privateDecrypt({ key: privateKeyOf(material), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hashOf(algorithm) }, ciphertext);
  } catch {
    return undefined;
  }
}

// --- Import ---

/** A new RSA wrapping key pair for GetParametersForImport, as PKCS #8 (base64). */
export async function generateWrappingKey(spec: string): Promise<string> {
  return generateMaterial(spec);
}

/** AES key wrap with padding, RFC 5649: the default IV of the algorithm. */
const KWP_IV = Buffer.from("a65959a6", "hex");

/**
 * Unwraps material wrapped for import (KMS Developer Guide, "Encrypt key material"): RSAES_OAEP
 * encrypts the material directly under the wrapping key; RSA_AES_KEY_WRAP is RSAES-OAEP of an
 * ephemeral 256-bit AES key followed by the material wrapped under it with AES key wrap with
 * padding. Undefined when the blob does not unwrap.
 */
export function unwrapMaterial(wrappingMaterial: string, wrappingAlgorithm: string, wrapped: Buffer): Buffer | undefined {
  const key = privateKeyOf(wrappingMaterial);
  const oaepHash = hashOf(wrappingAlgorithm);
  try {
    if (wrappingAlgorithm.startsWith("RSAES_OAEP_")) {
      return privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, wrapped);
    }
    const rsaBytes = modulusBits(key) / 8;
    const aesKey = privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, wrapped.subarray(0, rsaBytes));
    if (aesKey.length !== 32) return undefined;
    const decipher = createDecipheriv("id-aes256-wrap-pad", aesKey, KWP_IV);
    return Buffer.concat([decipher.update(wrapped.subarray(rsaBytes)), decipher.final()]);
  } catch {
    return undefined;
  }
}

/** The customer's side of RSA_AES_KEY_WRAP, for tests and tools: what `openssl enc -id-aes256-wrap-pad` does. */
export function wrapWithAesKeyWrap(aesKey: Buffer, material: Buffer): Buffer {
  const cipher = createCipheriv("id-aes256-wrap-pad", aesKey, KWP_IV);
  return Buffer.concat([cipher.update(material), cipher.final()]);
}

/**
 * Checks imported material against the key spec and returns it as the state stores it, or a
 * reason it does not fit: 256-bit symmetric keys, HMAC keys of the spec's length range, and
 * PKCS #8 private keys of the spec's size or curve.
 */
export function importedMaterial(spec: string, bytes: Buffer): { material: string } | { problem: string } {
  if (spec === "SYMMETRIC_DEFAULT") {
    return bytes.length === 32 ? { material: bytes.toString("base64") } : { problem: "Symmetric key material must be 256 bits (32 bytes)." };
  }
  const hmacBytes = HMAC_BYTES[spec];
  if (hmacBytes !== undefined) {
    // HMAC key material may be from the hash's length up to 64 bytes.
    return bytes.length >= hmacBytes && bytes.length <= 64 ? { material: bytes.toString("base64") } : { problem: `${spec} key material must be between ${hmacBytes} and 64 bytes.` };
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: bytes, format: "der", type: "pkcs8" });
  } catch {
    return { problem: "Asymmetric key material must be a DER-encoded PKCS #8 private key." };
  }
  const details = key.asymmetricKeyDetails;
  const fits = isRsaSpec(spec)
    ? key.asymmetricKeyType === "rsa" && details?.modulusLength === RSA_BITS[spec]
    : key.asymmetricKeyType === "ec" && details?.namedCurve === ECC_CURVES[spec];
  if (!fits) return { problem: `The private key does not match the key spec ${spec}.` };
  return { material: key.export({ format: "der", type: "pkcs8" }).toString("base64") };
}

/** What identifies imported material across reimports: KMS accepts only the same material again. */
export function materialFingerprint(material: string): string {
  const bytes = Buffer.from(material, "base64");
  try {
    // Asymmetric material: the public key identifies it, whatever the private key's encoding.
    return createHash("sha256").update(createPublicKey(createPrivateKey({ key: bytes, format: "der", type: "pkcs8" })).export({ format: "der", type: "spki" })).digest("base64");
  } catch {
    return createHash("sha256").update(bytes).digest("base64");
  }
}
