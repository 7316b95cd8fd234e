/**
 * What every KMS operation shares: the state of an account and region, finding keys by id,
 * ARN or alias, the key-state rules, key metadata, and reading common inputs.
 */
import { ServiceError, validationException } from "../../errors";
import { type Input, isRecord, optList, optStringMap, reqString } from "../../input";
import { policyDocumentSchema, type PolicyDocument } from "../../../lib/iam/types";
import { regional } from "../../state";
import type { CallAudit, CallContext, Output, World } from "../../world";
import { newKeyMaterial } from "./crypto";
import { RSA_ENCRYPTION_ALGORITHMS, isAsymmetricSpec, macAlgorithm, signingAlgorithms } from "./key-material";
import type { KeyUsage, KmsKey, KmsRegionState, KmsTag } from "./model";

export const KEY_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
export const KEY_ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):key\/(.+)$/;
const ALIAS_ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):(alias\/.+)$/;

/** Operations KMS accepts on a key in another account (the rest need a key in the caller's account). */
const CROSS_ACCOUNT_OPERATIONS = new Set([
  "DescribeKey",
  "Encrypt",
  "Decrypt",
  "ReEncryptFrom",
  "ReEncryptTo",
  "GenerateDataKey",
  "GenerateDataKeyWithoutPlaintext",
  "CreateGrant",
  "ListGrants",
  "RevokeGrant",
  "RetireGrant",
  "GetKeyRotationStatus",
  "Sign",
  "Verify",
  "GenerateMac",
  "VerifyMac",
  "GetPublicKey",
]);

/** The key usage each cryptographic operation needs (KMS API Reference, "InvalidKeyUsageException"). */
const REQUIRED_USAGE: Record<string, KeyUsage> = {
  Encrypt: "ENCRYPT_DECRYPT",
  Decrypt: "ENCRYPT_DECRYPT",
  ReEncryptFrom: "ENCRYPT_DECRYPT",
  ReEncryptTo: "ENCRYPT_DECRYPT",
  GenerateDataKey: "ENCRYPT_DECRYPT",
  GenerateDataKeyWithoutPlaintext: "ENCRYPT_DECRYPT",
  Sign: "SIGN_VERIFY",
  Verify: "SIGN_VERIFY",
  GenerateMac: "GENERATE_VERIFY_MAC",
  VerifyMac: "GENERATE_VERIFY_MAC",
};

/**
 * Data keys come only from symmetric encryption keys; ReEncrypt in the sandbox also takes only
 * symmetric keys (it does not read Source/DestinationEncryptionAlgorithm).
 */
const SYMMETRIC_ONLY_OPERATIONS = new Set(["GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo"]);

export function keyArn(region: string, account: string, keyId: string): string {
  return `arn:aws:kms:${region}:${account}:key/${keyId}`;
}

export function notFound(message: string): ServiceError {
  return new ServiceError("NotFoundException", message, 400);
}

export function aliasNotFound(ctx: CallContext, aliasName: string): ServiceError {
  return notFound(`Alias arn:aws:kms:${ctx.region}:${ctx.principal.accountId}:${aliasName} is not found.`);
}

export function regionState(world: World, account: string, region: string): KmsRegionState {
  return regional(world.state.kms, account, region, () => ({ keys: {}, aliases: {} }));
}

/**
 * Time-driven changes, applied lazily against the world's clock whenever keys are looked up:
 * keys past their deletion date are gone (with their aliases), and imported material past its
 * ValidTo is deleted, leaving the key PendingImport (KMS Developer Guide, "Setting an
 * expiration time"). Both follow from dates in the state, so they hold after a restart too.
 */
export function purgeDeleted(world: World, rs: KmsRegionState): void {
  const now = world.now().getTime();
  for (const [id, key] of Object.entries(rs.keys)) {
    if (key.keyState === "PendingDeletion" && key.deletionDate && Date.parse(key.deletionDate) <= now) {
      delete rs.keys[id];
      for (const [name, alias] of Object.entries(rs.aliases)) if (alias.targetKeyId === id) delete rs.aliases[name];
      continue;
    }
    if (key.origin === "EXTERNAL" && key.validTo !== undefined && Date.parse(key.validTo) <= now && key.material !== "") {
      key.material = "";
      // A key pending deletion stays so; it comes back PendingImport if the deletion is cancelled.
      if (key.keyState !== "PendingDeletion") {
        key.keyState = "PendingImport";
        key.keyStateChangedAt = key.validTo;
      }
    }
  }
}

/** The caller's own region state, past deletions purged. */
export function callerRegion(world: World, ctx: CallContext): KmsRegionState {
  const rs = regionState(world, ctx.principal.accountId, ctx.region);
  purgeDeleted(world, rs);
  return rs;
}

export function findKey(world: World, account: string, region: string, keyId: string): KmsKey | undefined {
  const rs = regionState(world, account, region);
  purgeDeleted(world, rs);
  return rs.keys[keyId];
}

/** Key id, key ARN, alias name or alias ARN → key, in the caller's region only. */
export function resolveKey(world: World, ctx: CallContext, identifier: string, operation: string, allowAlias = true): KmsKey {
  let account = ctx.principal.accountId;
  let keyId: string | undefined;
  const arnMatch = KEY_ARN.exec(identifier);
  const aliasArnMatch = ALIAS_ARN.exec(identifier);
  if (arnMatch) {
    const [, , region, acct, id] = arnMatch;
    if (region !== ctx.region) throw notFound(`Invalid arn ${region}`);
    account = acct ?? account;
    keyId = id;
  } else if (aliasArnMatch || identifier.startsWith("alias/")) {
    if (!allowAlias) throw notFound(`Invalid keyId ${identifier}`);
    let aliasName = identifier;
    if (aliasArnMatch) {
      const [, , region, acct, name] = aliasArnMatch;
      if (region !== ctx.region) throw notFound(`Invalid arn ${region}`);
      account = acct ?? account;
      aliasName = name ?? identifier;
    }
    const rs = regionState(world, account, ctx.region);
    purgeDeleted(world, rs);
    const alias = rs.aliases[aliasName];
    if (!alias) throw notFound(`Alias arn:aws:kms:${ctx.region}:${account}:${aliasName} is not found.`);
    keyId = alias.targetKeyId;
  } else if (KEY_ID.test(identifier)) {
    keyId = identifier;
  } else {
    throw notFound(`Invalid keyId ${identifier}`);
  }
  if (account !== ctx.principal.accountId && !CROSS_ACCOUNT_OPERATIONS.has(operation)) {
    // Management operations only accept keys in the caller's account.
    throw notFound(`Key '${keyArn(ctx.region, account, keyId ?? "")}' does not exist`);
  }
  const key = keyId === undefined ? undefined : findKey(world, account, ctx.region, keyId);
  if (!key) throw notFound(`Key '${keyArn(ctx.region, account, keyId ?? identifier)}' does not exist`);
  return key;
}

/** The key named by `input[field]`, recorded in the trail as soon as it is found. */
export function namedKey(world: World, input: Input, ctx: CallContext, audit: CallAudit, operation: string, options: { field?: string; allowAlias?: boolean } = {}): KmsKey {
  const key = resolveKey(world, ctx, reqString(input, options.field ?? "KeyId"), operation, options.allowAlias);
  audit.keyArn = key.arn;
  return key;
}

/**
 * Key state and key usage rules of cryptographic operations (KMS Developer Guide, "Key states
 * of AWS KMS keys"; KMS API Reference, "InvalidKeyUsageException"): Encrypt and Decrypt need an
 * ENCRYPT_DECRYPT key, data keys a symmetric one, Sign and Verify a SIGN_VERIFY key,
 * GenerateMac and VerifyMac an HMAC key, GetPublicKey an asymmetric key.
 */
export function requireUsable(key: KmsKey, operation: string): void {
  requireNotPendingDeletion(key);
  if (key.keyState === "PendingImport") throw new ServiceError("KMSInvalidStateException", `${key.arn} is pending import.`, 400);
  const usage = REQUIRED_USAGE[operation];
  if (usage !== undefined && key.keyUsage !== usage) {
    throw new ServiceError("InvalidKeyUsageException", `${key.arn} key usage is ${key.keyUsage} which is not valid for ${operation}.`, 400);
  }
  if (SYMMETRIC_ONLY_OPERATIONS.has(operation) && key.keySpec !== "SYMMETRIC_DEFAULT") {
    throw new ServiceError("InvalidKeyUsageException", `${key.arn} key spec is ${key.keySpec} which is not valid for ${operation}.`, 400);
  }
  if (operation === "GetPublicKey" && !isAsymmetricSpec(key.keySpec)) {
    throw new ServiceError("UnsupportedOperationException", `${key.arn} key spec is ${key.keySpec}; only asymmetric KMS keys have a public key.`, 400);
  }
  if (key.keyState === "Disabled" && (usage !== undefined || operation === "GetPublicKey")) {
    throw new ServiceError("DisabledException", `${key.arn} is disabled.`, 400);
  }
}

export function requireNotPendingDeletion(key: KmsKey): void {
  if (key.keyState === "PendingDeletion") {
    throw new ServiceError("KMSInvalidStateException", `${key.arn} is pending deletion.`, 400);
  }
}

export function requireEnabledForRotation(key: KmsKey): void {
  requireNotPendingDeletion(key);
  if (key.keyState === "Disabled") throw new ServiceError("DisabledException", `${key.arn} is disabled.`, 400);
}

export function parsePolicy(policy: string): PolicyDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(policy);
  } catch {
    throw new ServiceError("MalformedPolicyDocumentException", "The policy is not valid JSON.", 400);
  }
  const parsed = policyDocumentSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ServiceError("MalformedPolicyDocumentException", `Policy contains a statement with one or more invalid elements: ${parsed.error.issues[0]?.message ?? "invalid"}`, 400);
  }
  return parsed.data;
}

/** An encryption context, or undefined when absent or empty (KMS treats both alike). */
export function readContext(input: Input, name: string): Record<string, string> | undefined {
  const ctx = optStringMap(input, name);
  return ctx && Object.keys(ctx).length > 0 ? ctx : undefined;
}

export function toTags(input: Input, name: string): KmsTag[] {
  const list = optList(input, name) ?? [];
  return list.map((item) => {
    if (!isRecord(item) || typeof item.TagKey !== "string" || typeof item.TagValue !== "string") {
      throw validationException("Each tag needs TagKey and TagValue strings");
    }
    return { TagKey: item.TagKey, TagValue: item.TagValue };
  });
}

/** The algorithms DescribeKey and GetPublicKey list for the key's spec and usage. */
export function algorithms(key: KmsKey): Output {
  const mac = macAlgorithm(key.keySpec);
  if (mac !== undefined) return { MacAlgorithms: [mac] };
  if (key.keySpec === "SYMMETRIC_DEFAULT") return { EncryptionAlgorithms: ["SYMMETRIC_DEFAULT"] };
  if (key.keyUsage === "ENCRYPT_DECRYPT") return { EncryptionAlgorithms: RSA_ENCRYPTION_ALGORITHMS };
  return { SigningAlgorithms: signingAlgorithms(key.keySpec) };
}

export function keyMetadata(world: World, key: KmsKey): Output {
  const meta: Output = {
    AWSAccountId: key.accountId,
    KeyId: key.keyId,
    Arn: key.arn,
    CreationDate: new Date(key.creationDate),
    Enabled: key.keyState === "Enabled",
    Description: key.description,
    KeyUsage: key.keyUsage,
    KeyState: key.keyState,
    Origin: key.origin,
    KeyManager: key.keyManager,
    CustomerMasterKeySpec: key.keySpec,
    KeySpec: key.keySpec,
    ...algorithms(key),
    MultiRegion: key.multiRegion,
  };
  if (key.deletionDate) meta.DeletionDate = new Date(key.deletionDate);
  if (key.pendingWindowInDays !== undefined && key.keyState === "PendingDeletion") meta.PendingDeletionWindowInDays = key.pendingWindowInDays;
  if (key.origin === "EXTERNAL" && key.expirationModel !== undefined && key.material !== "") {
    meta.ExpirationModel = key.expirationModel;
    if (key.validTo !== undefined) meta.ValidTo = new Date(key.validTo);
  }
  if (key.multiRegion) {
    const primaryRegion = key.primaryRegion ?? key.region;
    const replicas: Output[] = [];
    for (const [region, rs] of Object.entries(world.state.kms[key.accountId] ?? {})) {
      const k = rs.keys[key.keyId];
      if (k && region !== primaryRegion) replicas.push({ Arn: k.arn, Region: region });
    }
    meta.MultiRegionConfiguration = {
      MultiRegionKeyType: key.multiRegionKeyType ?? "PRIMARY",
      PrimaryKey: { Arn: keyArn(primaryRegion, key.accountId, key.keyId), Region: primaryRegion },
      ReplicaKeys: replicas,
    };
  }
  return meta;
}

export interface NewKeyOptions {
  keyId: string;
  region: string;
  accountId: string;
  policy: string;
  description: string;
  tags: KmsTag[];
  multiRegion: boolean;
  material?: string;
  keyManager?: "AWS" | "CUSTOMER";
  multiRegionKeyType?: "PRIMARY" | "REPLICA";
  primaryRegion?: string;
  keySpec?: string;
  keyUsage?: KeyUsage;
  origin?: "AWS_KMS" | "EXTERNAL";
}

/**
 * Stores a new key (enabled, or waiting for imported material with none yet). AWS managed keys
 * rotate from the start. Without `material`, a symmetric key gets new material; other specs
 * must bring theirs (key-material.ts generates it asynchronously).
 */
export function newKey(world: World, options: NewKeyOptions): KmsKey {
  const key: KmsKey = {
    keyId: options.keyId,
    arn: keyArn(options.region, options.accountId, options.keyId),
    accountId: options.accountId,
    region: options.region,
    description: options.description,
    keyUsage: options.keyUsage ?? "ENCRYPT_DECRYPT",
    keySpec: options.keySpec ?? "SYMMETRIC_DEFAULT",
    keyManager: options.keyManager ?? "CUSTOMER",
    origin: options.origin ?? "AWS_KMS",
    creationDate: world.now().toISOString(),
    keyState: options.origin === "EXTERNAL" ? "PendingImport" : "Enabled",
    policy: options.policy,
    tags: options.tags,
    rotationEnabled: options.keyManager === "AWS",
    multiRegion: options.multiRegion,
    material: options.origin === "EXTERNAL" ? "" : (options.material ?? newKeyMaterial()),
    grants: [],
  };
  if (options.multiRegion) {
    key.multiRegionKeyType = options.multiRegionKeyType ?? "PRIMARY";
    key.primaryRegion = options.primaryRegion ?? options.region;
  }
  regionState(world, options.accountId, options.region).keys[key.keyId] = key;
  return key;
}
