/**
 * Asymmetric signing and HMAC operations: Sign, Verify, GetPublicKey, GenerateMac, VerifyMac.
 * Signatures and MACs are real (key-material.ts), so they verify outside the sandbox with the
 * public key, or with the HMAC key a test imported.
 */
import type { ContextValue } from "../../../lib/iam/types";
import { ServiceError, validationException } from "../../errors";
import { type Input, optBlob, optString } from "../../input";
import { type CallAudit, type CallContext, type Operation, type World, operation } from "../../world";
import { keyAccess } from "./access";
import { computeMac, digestLength, macAlgorithm, macMatches, publicKeyDer, signMessage, signingAlgorithms, verifySignature } from "./key-material";
import { algorithms, namedKey, requireUsable } from "./lookup";
import type { KmsKey } from "./model";

const SIGNING_ALGORITHMS = [
  "RSASSA_PSS_SHA_256",
  "RSASSA_PSS_SHA_384",
  "RSASSA_PSS_SHA_512",
  "RSASSA_PKCS1_V1_5_SHA_256",
  "RSASSA_PKCS1_V1_5_SHA_384",
  "RSASSA_PKCS1_V1_5_SHA_512",
  "ECDSA_SHA_256",
  "ECDSA_SHA_384",
  "ECDSA_SHA_512",
];
const MAC_ALGORITHMS = ["HMAC_SHA_224", "HMAC_SHA_256", "HMAC_SHA_384", "HMAC_SHA_512"];
const MESSAGE_TYPES = ["RAW", "DIGEST"] as const;
type MessageType = (typeof MESSAGE_TYPES)[number];

function field(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function enumValue(input: Input, name: string, allowed: readonly string[], fallback?: string): string {
  const value = optString(input, name) ?? fallback;
  if (value === undefined) throw validationException(`1 validation error detected: Value null at '${field(name)}' failed to satisfy constraint: Member must not be null`);
  if (!allowed.includes(value)) {
    throw validationException(`1 validation error detected: Value '${value}' at '${field(name)}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(", ")}]`);
  }
  return value;
}

/** A required blob of 1 to 4096 bytes (Message, Signature, Mac). */
function blob(input: Input, name: string, maxLength = 4096): Buffer {
  const value = optBlob(input, name);
  if (!value) throw validationException(`1 validation error detected: Value null at '${field(name)}' failed to satisfy constraint: Member must not be null`);
  if (value.length === 0 || value.length > maxLength) {
    throw validationException(`1 validation error detected: Value at '${field(name)}' failed to satisfy constraint: Member must have length between 1 and ${maxLength}`);
  }
  return value;
}

interface SignatureRequest {
  key: KmsKey;
  algorithm: string;
  messageType: MessageType;
  message: Buffer;
}

function readSignatureRequest(world: World, input: Input, ctx: CallContext, audit: CallAudit, name: "Sign" | "Verify"): SignatureRequest {
  const key = namedKey(world, input, ctx, audit, name);
  const message = blob(input, "Message");
  const messageType = enumValue(input, "MessageType", MESSAGE_TYPES, "RAW") as MessageType;
  const algorithm = enumValue(input, "SigningAlgorithm", SIGNING_ALGORITHMS);
  return { key, algorithm, messageType, message };
}

/** The condition keys KMS sets for Sign and Verify (Developer Guide, "kms:SigningAlgorithm", "kms:MessageType"). */
function signingContext(request: SignatureRequest): Record<string, ContextValue> {
  return { "kms:SigningAlgorithm": request.algorithm, "kms:MessageType": request.messageType };
}

/** Key state, usage and algorithm checks, then the digest length a DIGEST message must have. */
function requireSignable(request: SignatureRequest, name: "Sign" | "Verify"): void {
  const { key, algorithm, messageType, message } = request;
  requireUsable(key, name);
  if (!signingAlgorithms(key.keySpec).includes(algorithm)) {
    throw new ServiceError("InvalidKeyUsageException", `Algorithm ${algorithm} is incompatible with key spec ${key.keySpec}.`, 400);
  }
  if (messageType === "DIGEST" && message.length !== digestLength(algorithm)) {
    throw validationException(`Digest is invalid length for algorithm ${algorithm}.`);
  }
}

interface MacRequest {
  key: KmsKey;
  algorithm: string;
  message: Buffer;
}

function requireMacAlgorithm(request: MacRequest, name: "GenerateMac" | "VerifyMac"): void {
  requireUsable(request.key, name);
  if (macAlgorithm(request.key.keySpec) !== request.algorithm) {
    throw new ServiceError("InvalidKeyUsageException", `Algorithm ${request.algorithm} is incompatible with key spec ${request.key.keySpec}.`, 400);
  }
}

export function signingOperations(world: World): Record<string, Operation> {
  return {
    Sign: operation({
      resolve: (input, ctx, audit) => readSignatureRequest(world, input, ctx, audit, "Sign"),
      access: (request, ctx) => [keyAccess(world, ctx, request.key, "Sign", { extra: signingContext(request) })],
      run(request) {
        requireSignable(request, "Sign");
        const signature = signMessage(request.key.material, request.algorithm, request.message, request.messageType);
        return { KeyId: request.key.arn, Signature: signature, SigningAlgorithm: request.algorithm };
      },
    }),

    Verify: operation({
      resolve(input, ctx, audit) {
        const request = readSignatureRequest(world, input, ctx, audit, "Verify");
        return { ...request, signature: blob(input, "Signature", 6144) };
      },
      access: (request, ctx) => [keyAccess(world, ctx, request.key, "Verify", { extra: signingContext(request) })],
      run(request) {
        requireSignable(request, "Verify");
        if (!verifySignature(request.key.material, request.algorithm, request.message, request.messageType, request.signature)) {
          throw new ServiceError("KMSInvalidSignatureException", "", 400);
        }
        return { KeyId: request.key.arn, SignatureValid: true, SigningAlgorithm: request.algorithm };
      },
    }),

    GetPublicKey: operation({
      resolve: (input, ctx, audit) => namedKey(world, input, ctx, audit, "GetPublicKey"),
      access: (key, ctx) => [keyAccess(world, ctx, key, "GetPublicKey")],
      run(key) {
        requireUsable(key, "GetPublicKey");
        return {
          KeyId: key.arn,
          PublicKey: publicKeyDer(key.material),
          CustomerMasterKeySpec: key.keySpec,
          KeySpec: key.keySpec,
          KeyUsage: key.keyUsage,
          ...algorithms(key),
        };
      },
    }),

    GenerateMac: operation({
      resolve(input, ctx, audit): MacRequest {
        const key = namedKey(world, input, ctx, audit, "GenerateMac");
        return { key, message: blob(input, "Message"), algorithm: enumValue(input, "MacAlgorithm", MAC_ALGORITHMS) };
      },
      access: (request, ctx) => [keyAccess(world, ctx, request.key, "GenerateMac", { extra: { "kms:MacAlgorithm": request.algorithm } })],
      run(request) {
        requireMacAlgorithm(request, "GenerateMac");
        return { Mac: computeMac(request.key.material, request.algorithm, request.message), MacAlgorithm: request.algorithm, KeyId: request.key.arn };
      },
    }),

    VerifyMac: operation({
      resolve(input, ctx, audit) {
        const key = namedKey(world, input, ctx, audit, "VerifyMac");
        const request: MacRequest = { key, message: blob(input, "Message"), algorithm: enumValue(input, "MacAlgorithm", MAC_ALGORITHMS) };
        return { ...request, mac: blob(input, "Mac", 64) };
      },
      access: (request, ctx) => [keyAccess(world, ctx, request.key, "VerifyMac", { extra: { "kms:MacAlgorithm": request.algorithm } })],
      run(request) {
        requireMacAlgorithm(request, "VerifyMac");
        if (!macMatches(request.key.material, request.algorithm, request.message, request.mac)) throw new ServiceError("KMSInvalidMacException", "", 400);
        return { KeyId: request.key.arn, MacValid: true, MacAlgorithm: request.algorithm };
      },
    }),
  };
}
