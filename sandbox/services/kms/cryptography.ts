/**
 * Cryptographic operations: Encrypt, Decrypt, ReEncrypt, GenerateDataKey(WithoutPlaintext).
 * Symmetric ciphertexts name their key and are bound to the encryption context (see
 * crypto.ts); RSA ciphertexts are plain RSAES-OAEP, so Decrypt must be told the key.
 */
import { randomBytes } from "node:crypto";
import { ServiceError, validationException } from "../../errors";
import { type Input, optBlob, optNumber, optString, reqString } from "../../input";
import type { CallAudit, CallContext, Operation, World } from "../../world";
import { operation } from "../../world";
import { keyAccess } from "./access";
import { type ParsedBlob, decryptBlob, encryptBlob, parseBlob } from "./crypto";
import { maxOaepPlaintext, rsaDecrypt, rsaEncrypt } from "./key-material";
import { KEY_ARN, algorithms, findKey, namedKey, readContext, requireUsable, resolveKey } from "./lookup";
import type { KmsKey } from "./model";

function dataKeyLength(input: Input): number {
  const spec = optString(input, "KeySpec");
  const bytes = optNumber(input, "NumberOfBytes");
  if (spec !== undefined && bytes !== undefined) throw validationException("Please specify either number of bytes or key spec.");
  if (spec === undefined && bytes === undefined) throw validationException("Please specify either number of bytes or key spec.");
  if (spec === "AES_256") return 32;
  if (spec === "AES_128") return 16;
  if (spec !== undefined) {
    throw validationException(`1 validation error detected: Value '${spec}' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]`);
  }
  if (bytes === undefined || !Number.isInteger(bytes) || bytes < 1 || bytes > 1024) {
    throw validationException(`1 validation error detected: Value '${String(bytes)}' at 'numberOfBytes' failed to satisfy constraint: Member must have value between 1 and 1024`);
  }
  return bytes;
}

const ENCRYPTION_ALGORITHMS = ["SYMMETRIC_DEFAULT", "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"];

function encryptionAlgorithm(input: Input): string {
  const algorithm = optString(input, "EncryptionAlgorithm") ?? "SYMMETRIC_DEFAULT";
  if (!ENCRYPTION_ALGORITHMS.includes(algorithm)) {
    throw validationException(`1 validation error detected: Value '${algorithm}' at 'encryptionAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [${ENCRYPTION_ALGORITHMS.join(", ")}]`);
  }
  return algorithm;
}

/** The algorithm must be one the key's spec supports (SYMMETRIC_DEFAULT for symmetric keys, RSAES_OAEP_* for RSA keys). */
function requireAlgorithm(key: KmsKey, algorithm: string): void {
  const supported = algorithms(key).EncryptionAlgorithms;
  if (!Array.isArray(supported) || !supported.includes(algorithm)) {
    throw new ServiceError("InvalidKeyUsageException", `Algorithm ${algorithm} is incompatible with key spec ${key.keySpec}.`, 400);
  }
}

/** RSA keys take no encryption context, and at most what RSAES-OAEP can hold. */
function rsaSeal(key: KmsKey, algorithm: string, plaintext: Buffer, context: Record<string, string> | undefined): Buffer {
  if (context) throw validationException("EncryptionContext is not supported with asymmetric KMS keys.");
  const max = maxOaepPlaintext(key.keySpec, algorithm);
  if (plaintext.length > max) throw validationException(`Plaintext is too long: ${algorithm} with ${key.keySpec} encrypts at most ${max} bytes.`);
  return rsaEncrypt(key.material, algorithm, plaintext);
}

function rsaOpen(key: KmsKey, algorithm: string, blob: Buffer, context: Record<string, string> | undefined): Buffer {
  requireUsable(key, "Decrypt");
  requireAlgorithm(key, algorithm);
  if (context) throw validationException("EncryptionContext is not supported with asymmetric KMS keys.");
  const plaintext = rsaDecrypt(key.material, algorithm, blob);
  if (!plaintext) throw new ServiceError("InvalidCiphertextException", "", 400);
  return plaintext;
}

function requireCiphertext(input: Input): Buffer {
  const blob = optBlob(input, "CiphertextBlob");
  if (!blob) throw validationException("1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null");
  return blob;
}

interface Ciphertext {
  key: KmsKey;
  parsed: ParsedBlob;
  context: Record<string, string> | undefined;
}

/**
 * The key a ciphertext names, in the caller's region (a multi-Region replica decrypts what its
 * primary encrypted). A key id given with it must name the same key.
 */
function ciphertextKey(world: World, ctx: CallContext, audit: CallAudit, blob: Buffer, context: Record<string, string> | undefined, keyIdHint: string | undefined, operation: "Decrypt" | "ReEncryptFrom"): Ciphertext {
  const parsed = parseBlob(blob);
  if (!parsed) throw new ServiceError("InvalidCiphertextException", "", 400);
  const m = KEY_ARN.exec(parsed.keyArn);
  if (!m) throw new ServiceError("InvalidCiphertextException", "", 400);
  const [, , , account, keyId] = m;
  const key = account && keyId ? findKey(world, account, ctx.region, keyId) : undefined;
  if (!key) {
    throw new ServiceError("AccessDeniedException", "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.", 400);
  }
  audit.keyArn = key.arn;
  if (keyIdHint !== undefined && resolveKey(world, ctx, keyIdHint, operation).arn !== key.arn) {
    throw new ServiceError("IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation.", 400);
  }
  return { key, parsed, context };
}

function open(ciphertext: Ciphertext, operation: "Decrypt" | "ReEncryptFrom"): Buffer {
  requireUsable(ciphertext.key, operation);
  const plaintext = decryptBlob(ciphertext.parsed, ciphertext.key.keyId, ciphertext.key.material, ciphertext.context);
  if (!plaintext) throw new ServiceError("InvalidCiphertextException", "", 400);
  return plaintext;
}

/** GenerateDataKey and GenerateDataKeyWithoutPlaintext: a new data key, encrypted under the KMS key. */
function generateDataKey(world: World, name: "GenerateDataKey" | "GenerateDataKeyWithoutPlaintext"): Operation {
  return operation({
    resolve(input, ctx, audit) {
      const key = namedKey(world, input, ctx, audit, name);
      const encryptionContext = readContext(input, "EncryptionContext");
      audit.encryptionContext = encryptionContext;
      return { key, encryptionContext, length: dataKeyLength(input) };
    },
    access: ({ key, encryptionContext }, ctx) => [keyAccess(world, ctx, key, name, { encryptionContext })],
    run({ key, encryptionContext, length }) {
      requireUsable(key, name);
      const plaintext = randomBytes(length);
      const CiphertextBlob = encryptBlob(key.arn, key.keyId, key.material, plaintext, encryptionContext);
      return name === "GenerateDataKey" ? { CiphertextBlob, Plaintext: plaintext, KeyId: key.arn } : { CiphertextBlob, KeyId: key.arn };
    },
  });
}

export function cryptographicOperations(world: World): Record<string, Operation> {
  return {
    Encrypt: operation({
      resolve(input, ctx, audit) {
        const key = namedKey(world, input, ctx, audit, "Encrypt");
        const encryptionContext = readContext(input, "EncryptionContext");
        audit.encryptionContext = encryptionContext;
        const plaintext = optBlob(input, "Plaintext");
        if (!plaintext || plaintext.length === 0 || plaintext.length > 4096) {
          throw validationException("1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length between 1 and 4096");
        }
        return { key, encryptionContext, plaintext, algorithm: encryptionAlgorithm(input) };
      },
      access: ({ key, encryptionContext, algorithm }, ctx) => [keyAccess(world, ctx, key, "Encrypt", { encryptionContext, extra: { "kms:EncryptionAlgorithm": algorithm } })],
      run({ key, encryptionContext, plaintext, algorithm }) {
        requireUsable(key, "Encrypt");
        requireAlgorithm(key, algorithm);
        const CiphertextBlob =
          algorithm === "SYMMETRIC_DEFAULT" ? encryptBlob(key.arn, key.keyId, key.material, plaintext, encryptionContext) : rsaSeal(key, algorithm, plaintext, encryptionContext);
        return { CiphertextBlob, KeyId: key.arn, EncryptionAlgorithm: algorithm };
      },
    }),

    /** Symmetric ciphertexts name their key; an RSA ciphertext is decrypted with the KeyId and EncryptionAlgorithm given. */
    Decrypt: operation({
      resolve(input, ctx, audit) {
        const encryptionContext = readContext(input, "EncryptionContext");
        audit.encryptionContext = encryptionContext;
        const algorithm = encryptionAlgorithm(input);
        const blob = requireCiphertext(input);
        if (algorithm === "SYMMETRIC_DEFAULT") {
          const ciphertext = ciphertextKey(world, ctx, audit, blob, encryptionContext, optString(input, "KeyId"), "Decrypt");
          return { key: ciphertext.key, encryptionContext, algorithm, open: () => open(ciphertext, "Decrypt") };
        }
        if (optString(input, "KeyId") === undefined) throw validationException("KeyId is required when decrypting with an asymmetric KMS key.");
        const key = namedKey(world, input, ctx, audit, "Decrypt");
        return { key, encryptionContext, algorithm, open: () => rsaOpen(key, algorithm, blob, encryptionContext) };
      },
      access: ({ key, encryptionContext, algorithm }, ctx) => [keyAccess(world, ctx, key, "Decrypt", { encryptionContext, extra: { "kms:EncryptionAlgorithm": algorithm } })],
      run: ({ key, algorithm, open: decrypt }) => ({ KeyId: key.arn, Plaintext: decrypt(), EncryptionAlgorithm: algorithm }),
    }),

    /** Two keys, two checks: kms:ReEncryptFrom on the source key, kms:ReEncryptTo on the destination. */
    ReEncrypt: operation({
      resolve(input, ctx, audit) {
        const sourceContext = readContext(input, "SourceEncryptionContext");
        const destinationContext = readContext(input, "DestinationEncryptionContext");
        const blob = requireCiphertext(input);
        audit.encryptionContext = destinationContext;
        const source = ciphertextKey(world, ctx, audit, blob, sourceContext, optString(input, "SourceKeyId"), "ReEncryptFrom");
        const destination = resolveKey(world, ctx, reqString(input, "DestinationKeyId"), "ReEncryptTo");
        return { source, destination, destinationContext };
      },
      access: ({ source, destination, destinationContext }, ctx) => [
        keyAccess(world, ctx, source.key, "ReEncryptFrom", { encryptionContext: source.context }),
        keyAccess(world, ctx, destination, "ReEncryptTo", { encryptionContext: destinationContext }),
      ],
      run({ source, destination, destinationContext }, _input, _ctx, audit) {
        audit.keyArn = source.key.arn;
        const plaintext = open(source, "ReEncryptFrom");
        audit.keyArn = destination.arn;
        requireUsable(destination, "ReEncryptTo");
        return {
          CiphertextBlob: encryptBlob(destination.arn, destination.keyId, destination.material, plaintext, destinationContext),
          SourceKeyId: source.key.arn,
          KeyId: destination.arn,
          SourceEncryptionAlgorithm: "SYMMETRIC_DEFAULT",
          DestinationEncryptionAlgorithm: "SYMMETRIC_DEFAULT",
        };
      },
    }),

    GenerateDataKey: generateDataKey(world, "GenerateDataKey"),
    GenerateDataKeyWithoutPlaintext: generateDataKey(world, "GenerateDataKeyWithoutPlaintext"),
  };
}
