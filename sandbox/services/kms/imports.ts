/**
 * Imported key material (KMS Developer Guide, "Importing key material for AWS KMS keys"):
 * GetParametersForImport hands out an RSA wrapping public key and an import token;
 * ImportKeyMaterial unwraps the customer's material with it, checks it against the key spec
 * (and against what was imported before) and sets its expiration; DeleteImportedKeyMaterial
 * removes it. Expiry itself is applied lazily when the key is looked up (lookup.ts).
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { ServiceError, validationException } from "../../errors";
import { type Input, optBlob, optNumber, optString, reqString } from "../../input";
import { type Operation, type World, operation } from "../../world";
import { keyAccess, keyUpdate } from "./access";
import { generateWrappingKey, importedMaterial, isRsaSpec, materialFingerprint, publicKeyDer, unwrapMaterial } from "./key-material";
import { namedKey, requireNotPendingDeletion } from "./lookup";
import type { KmsKey } from "./model";

const WRAPPING_ALGORITHMS = ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "RSA_AES_KEY_WRAP_SHA_1", "RSA_AES_KEY_WRAP_SHA_256"];
const WRAPPING_KEY_SPECS = ["RSA_2048", "RSA_3072", "RSA_4096"];
const EXPIRATION_MODELS = ["KEY_MATERIAL_EXPIRES", "KEY_MATERIAL_DOES_NOT_EXPIRE"] as const;
type ExpirationModel = (typeof EXPIRATION_MODELS)[number];

/** Import tokens and wrapping keys are valid for 24 hours. */
const PARAMETERS_LIFETIME_MS = 24 * 3_600_000;
/** ValidTo may be at most 365 days ahead. */
const MAX_VALID_TO_MS = 365 * 86_400_000;

function enumValue(input: Input, name: string, allowed: readonly string[]): string {
  const value = reqString(input, name);
  if (!allowed.includes(value)) {
    const field = name.charAt(0).toLowerCase() + name.slice(1);
    throw validationException(`1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(", ")}]`);
  }
  return value;
}

function requireExternal(key: KmsKey): void {
  if (key.origin !== "EXTERNAL") throw new ServiceError("UnsupportedOperationException", `${key.arn} origin is ${key.origin} which is not valid for this operation.`, 400);
}

function requiredBlob(input: Input, name: string): Buffer {
  const blob = optBlob(input, name);
  if (!blob || blob.length === 0) {
    throw validationException(`1 validation error detected: Value null at '${name.charAt(0).toLowerCase() + name.slice(1)}' failed to satisfy constraint: Member must not be null`);
  }
  return blob;
}

/** A timestamp as the JSON protocol sends it (epoch seconds), or an ISO string from internal callers. */
function optTimestamp(input: Input, name: string): Date | undefined {
  const raw = input[name];
  if (typeof raw === "string" && !/^\d+(\.\d+)?$/.test(raw)) {
    const parsed = Date.parse(raw);
    if (Number.isNaN(parsed)) throw validationException(`Value '${raw}' at '${name.charAt(0).toLowerCase() + name.slice(1)}' is not a timestamp`);
    return new Date(parsed);
  }
  const seconds = optNumber(input, name);
  return seconds === undefined ? undefined : new Date(seconds * 1000);
}

interface Expiration {
  expirationModel: ExpirationModel;
  validTo?: Date;
}

function readExpiration(world: World, input: Input): Expiration {
  const model = (optString(input, "ExpirationModel") ?? "KEY_MATERIAL_EXPIRES") as ExpirationModel;
  if (!EXPIRATION_MODELS.includes(model)) enumValue(input, "ExpirationModel", EXPIRATION_MODELS);
  const validTo = optTimestamp(input, "ValidTo");
  if (model === "KEY_MATERIAL_DOES_NOT_EXPIRE") {
    if (validTo !== undefined) throw validationException("ValidTo must not be specified when ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE.");
    return { expirationModel: model };
  }
  if (validTo === undefined) throw validationException("ValidTo is required when ExpirationModel is KEY_MATERIAL_EXPIRES.");
  const now = world.now().getTime();
  if (validTo.getTime() <= now) throw validationException("ValidTo must be a date and time in the future.");
  if (validTo.getTime() > now + MAX_VALID_TO_MS) throw validationException("ValidTo must be at most 365 days from now.");
  return { expirationModel: model, validTo };
}

/** Every Region's copy of a multi-Region key (the key alone otherwise). */
function relatedKeys(world: World, key: KmsKey): KmsKey[] {
  if (!key.multiRegion) return [key];
  return Object.values(world.state.kms[key.accountId] ?? {})
    .map((rs) => rs.keys[key.keyId])
    .filter((k): k is KmsKey => k !== undefined);
}

export function importOperations(world: World): Record<string, Operation> {
  return {
    GetParametersForImport: operation({
      resolve: (input, ctx, audit) => namedKey(world, input, ctx, audit, "GetParametersForImport", { allowAlias: false }),
      access: (key, ctx) => [keyAccess(world, ctx, key, "GetParametersForImport")],
      // Generating an RSA wrapping key takes a while: asynchronously, so other calls go on meanwhile.
      async run(key, input) {
        const wrappingAlgorithm = enumValue(input, "WrappingAlgorithm", WRAPPING_ALGORITHMS);
        const wrappingKeySpec = enumValue(input, "WrappingKeySpec", WRAPPING_KEY_SPECS);
        requireExternal(key);
        requireNotPendingDeletion(key);
        // An RSA private key is longer than RSAES-OAEP can encrypt (Developer Guide, "Select a wrapping algorithm").
        if (isRsaSpec(key.keySpec) && !wrappingAlgorithm.startsWith("RSA_AES_KEY_WRAP_")) {
          throw validationException(`${wrappingAlgorithm} cannot wrap ${key.keySpec} key material; use RSA_AES_KEY_WRAP_SHA_1 or RSA_AES_KEY_WRAP_SHA_256.`);
        }
        const wrappingKey = await generateWrappingKey(wrappingKeySpec);
        const importToken = randomBytes(64);
        const parametersValidTo = new Date(world.now().getTime() + PARAMETERS_LIFETIME_MS);
        key.importParameters = {
          importToken: importToken.toString("base64"),
          wrappingAlgorithm,
          wrappingKeySpec,
          material: wrappingKey,
          parametersValidTo: parametersValidTo.toISOString(),
        };
        world.changed();
        return { KeyId: key.arn, ImportToken: importToken, PublicKey: publicKeyDer(wrappingKey), ParametersValidTo: parametersValidTo };
      },
    }),

    ImportKeyMaterial: keyUpdate(world, "ImportKeyMaterial", (key, input) => {
      const token = requiredBlob(input, "ImportToken");
      const wrapped = requiredBlob(input, "EncryptedKeyMaterial");
      requireExternal(key);
      requireNotPendingDeletion(key);
      const expiration = readExpiration(world, input);
      const parameters = key.importParameters;
      const expected = parameters ? Buffer.from(parameters.importToken, "base64") : undefined;
      if (!parameters || !expected || expected.length !== token.length || !timingSafeEqual(expected, token)) {
        throw new ServiceError("InvalidImportTokenException", "Import token is invalid or is associated with a different KMS key.", 400);
      }
      if (Date.parse(parameters.parametersValidTo) <= world.now().getTime()) {
        throw new ServiceError("ExpiredImportTokenException", "The import token has expired; call GetParametersForImport again.", 400);
      }
      const bytes = unwrapMaterial(parameters.material, parameters.wrappingAlgorithm, wrapped);
      if (!bytes) throw new ServiceError("InvalidCiphertextException", "The encrypted key material could not be decrypted with the wrapping key of this import token.", 400);
      const checked = importedMaterial(key.keySpec, bytes);
      if ("problem" in checked) throw new ServiceError("IncorrectKeyMaterialException", checked.problem, 400);
      const fingerprint = materialFingerprint(checked.material);
      if (key.importedMaterialFingerprint !== undefined && key.importedMaterialFingerprint !== fingerprint) {
        throw new ServiceError("IncorrectKeyMaterialException", "The key material is not the same key material that was previously imported into this KMS key.", 400);
      }
      // Every Region's copy of a multi-Region key holds the same material (Developer Guide, "Importing key material into multi-Region keys").
      for (const related of relatedKeys(world, key)) related.importedMaterialFingerprint = fingerprint;
      key.material = checked.material;
      key.expirationModel = expiration.expirationModel;
      if (expiration.validTo) key.validTo = expiration.validTo.toISOString();
      else delete key.validTo;
      if (key.keyState === "PendingImport") {
        key.keyState = "Enabled";
        key.keyStateChangedAt = world.now().toISOString();
      }
    }),

    DeleteImportedKeyMaterial: keyUpdate(world, "DeleteImportedKeyMaterial", (key) => {
      requireExternal(key);
      key.material = "";
      delete key.validTo;
      delete key.expirationModel;
      // A key pending deletion stays so (CancelKeyDeletion then leaves it PendingImport).
      if (key.keyState !== "PendingDeletion" && key.keyState !== "PendingImport") {
        key.keyState = "PendingImport";
        key.keyStateChangedAt = world.now().toISOString();
      }
    }),
  };
}
