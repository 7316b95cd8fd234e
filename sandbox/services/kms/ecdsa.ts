/**
 * ECDSA over a digest the caller hashed (Sign and Verify with MessageType DIGEST), which Node's
 * crypto does not offer: it always hashes. The scalar multiplications are done by ECDH
 * (`setPrivateKey(k)` gives k·G), and verification uses the private key the sandbox holds:
 * u1·G + u2·Q = (u1 + u2·d)·G. Signatures are DER, as KMS returns them (SEC 1, section 4.1).
 */
import { type KeyObject, createECDH, randomBytes } from "node:crypto";

/** Group orders (SEC 2 / FIPS 186-4) of the curves KMS signs with. */
const ORDERS: Record<string, bigint> = {
  prime256v1: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  secp384r1: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  secp521r1: 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
  secp256k1: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n,
};

function toBigInt(bytes: Buffer): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString("hex")}`);
}

function toBytes(value: bigint, length: number): Buffer {
  return Buffer.from(value.toString(16).padStart(length * 2, "0"), "hex");
}

function mod(a: bigint, n: bigint): bigint {
  const r = a % n;
  return r < 0n ? r + n : r;
}

function inverse(a: bigint, n: bigint): bigint {
  let [r0, r1] = [mod(a, n), n];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return mod(s0, n);
}

interface Curve {
  name: string;
  order: bigint;
  /** Bytes of a scalar. */
  size: number;
  /** Bits of the order: a longer digest is cut to its leftmost bits. */
  bits: number;
}

function curveOf(key: KeyObject): Curve {
  const name = key.asymmetricKeyDetails?.namedCurve ?? "";
  const order = ORDERS[name];
  if (order === undefined) throw new Error(`unsupported curve ${name}`);
  const bits = order.toString(2).length;
  return { name, order, size: Math.ceil(bits / 8), bits };
}

/** x(k·G) mod n. */
function xOfMultiple(curve: Curve, k: bigint): bigint {
  const ecdh = createECDH(curve.name);
  ecdh.setPrivateKey(toBytes(k, curve.size));
  const point = ecdh.getPublicKey(); // 0x04 | x | y
  return mod(toBigInt(point.subarray(1, 1 + (point.length - 1) / 2)), curve.order);
}

function digestToScalar(curve: Curve, digest: Buffer): bigint {
  const e = toBigInt(digest);
  const excess = digest.length * 8 - curve.bits;
  return excess > 0 ? e >> BigInt(excess) : e;
}

function privateScalar(key: KeyObject): bigint {
  const jwk = key.export({ format: "jwk" });
  return toBigInt(Buffer.from(jwk.d ?? "", "base64url"));
}

function derInteger(value: bigint): Buffer {
  const hex = value.toString(16);
  let bytes = Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, "hex");
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02]), derLength(bytes.length), bytes]);
}

function derLength(length: number): Buffer {
  return length < 0x80 ? Buffer.from([length]) : Buffer.from([0x81, length]);
}

function encodeSignature(r: bigint, s: bigint): Buffer {
  const body = Buffer.concat([derInteger(r), derInteger(s)]);
  return Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]);
}

/** (r, s) from a DER signature, or undefined when it is not one. */
function decodeSignature(signature: Buffer): { r: bigint; s: bigint } | undefined {
  let offset = 0;
  const readLength = (): number | undefined => {
    const first = signature[offset++];
    if (first === undefined) return undefined;
    if (first < 0x80) return first;
    if (first !== 0x81) return undefined;
    return signature[offset++];
  };
  if (signature[offset++] !== 0x30) return undefined;
  const total = readLength();
  if (total === undefined || offset + total !== signature.length) return undefined;
  const integers: bigint[] = [];
  for (let i = 0; i < 2; i++) {
    if (signature[offset++] !== 0x02) return undefined;
    const length = readLength();
    if (length === undefined || length === 0 || offset + length > signature.length) return undefined;
    integers.push(toBigInt(signature.subarray(offset, offset + length)));
    offset += length;
  }
  const [r, s] = integers;
  return offset === signature.length && r !== undefined && s !== undefined ? { r, s } : undefined;
}

export function ecdsaSignDigest(key: KeyObject, digest: Buffer): Buffer {
  const curve = curveOf(key);
  const d = privateScalar(key);
  const e = digestToScalar(curve, digest);
  for (;;) {
    const k = mod(toBigInt(randomBytes(curve.size + 8)), curve.order - 1n) + 1n;
    const r = xOfMultiple(curve, k);
    if (r === 0n) continue;
    const s = mod(inverse(k, curve.order) * (e + r * d), curve.order);
    if (s === 0n) continue;
    return encodeSignature(r, s);
  }
}

/** Verifies a signature of `digest` made by the key pair whose private key is `privateKey`. */
export function ecdsaVerifyDigest(privateKey: KeyObject, digest: Buffer, signature: Buffer): boolean {
  const curve = curveOf(privateKey);
  const parsed = decodeSignature(signature);
  if (!parsed) return false;
  const { r, s } = parsed;
  const n = curve.order;
  if (r <= 0n || r >= n || s <= 0n || s >= n) return false;
  const w = inverse(s, n);
  const u1 = mod(digestToScalar(curve, digest) * w, n);
  const u2 = mod(r * w, n);
  const k = mod(u1 + u2 * privateScalar(privateKey), n);
  if (k === 0n) return false;
  return xOfMultiple(curve, k) === r;
}
