/** KMS keys: create, describe, list, enable/disable, deletion, description, multi-Region replicas, AWS managed keys. */
import { randomBytes, randomUUID } from "node:crypto";
import { ServiceError, validationException } from "../../errors";
import { type Input, optBoolean, optNumber, optString, reqString } from "../../input";
import { type CallContext, type Operation, type World, operation } from "../../world";
import { identityAccess, keyOperation, keyUpdate, lockoutCheck } from "./access";
import { generateMaterial } from "./key-material";
import { callerRegion, findKey, keyArn, keyMetadata, newKey, regionState, requireNotPendingDeletion, toTags } from "./lookup";
import type { KeyUsage, KmsKey } from "./model";
import { defaultKeyPolicy } from "./policies";

/** Key specs and the usages AWS allows for each (KMS Developer Guide, "Key spec reference"). */
const KEY_USAGES: Record<string, KeyUsage[]> = {
  SYMMETRIC_DEFAULT: ["ENCRYPT_DECRYPT"],
  RSA_2048: ["ENCRYPT_DECRYPT", "SIGN_VERIFY"],
  RSA_3072: ["ENCRYPT_DECRYPT", "SIGN_VERIFY"],
  RSA_4096: ["ENCRYPT_DECRYPT", "SIGN_VERIFY"],
  ECC_NIST_P256: ["SIGN_VERIFY"],
  ECC_NIST_P384: ["SIGN_VERIFY"],
  ECC_NIST_P521: ["SIGN_VERIFY"],
  ECC_SECG_P256K1: ["SIGN_VERIFY"],
  HMAC_224: ["GENERATE_VERIFY_MAC"],
  HMAC_256: ["GENERATE_VERIFY_MAC"],
  HMAC_384: ["GENERATE_VERIFY_MAC"],
  HMAC_512: ["GENERATE_VERIFY_MAC"],
};

interface KeyShape {
  keySpec: string;
  keyUsage: KeyUsage;
  origin: "AWS_KMS" | "EXTERNAL";
}

/**
 * Spec, usage and origin as CreateKey takes them. Every spec can take imported material
 * (KMS Developer Guide, "Importing key material": symmetric, HMAC, RSA and ECC keys).
 */
function readKeyShape(input: Input): KeyShape {
  const keySpec = optString(input, "KeySpec") ?? optString(input, "CustomerMasterKeySpec") ?? "SYMMETRIC_DEFAULT";
  const usages = KEY_USAGES[keySpec];
  if (!usages) throw validationException(`1 validation error detected: Value '${keySpec}' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [${Object.keys(KEY_USAGES).join(", ")}]`);
  const usage = optString(input, "KeyUsage") ?? (usages.length === 1 ? usages[0] : "ENCRYPT_DECRYPT");
  if (!usages.some((u) => u === usage)) throw validationException(`KeyUsage ${String(usage)} is not compatible with KeySpec ${keySpec}`);
  const origin = optString(input, "Origin") ?? "AWS_KMS";
  if (origin !== "AWS_KMS" && origin !== "EXTERNAL") {
    throw new ServiceError("UnsupportedOperationException", `The sandbox supports only Origin AWS_KMS and EXTERNAL, not ${origin}.`, 400);
  }
  return { keySpec, keyUsage: usage as KeyUsage, origin };
}

/** Sets a key's state (EnableKey, DisableKey): refused while the key is pending deletion. */
function setState(world: World, name: string, state: "Enabled" | "Disabled"): Operation {
  return keyUpdate(world, name, (key) => {
    requireNotPendingDeletion(key);
    if (key.keyState === "PendingImport") throw new ServiceError("KMSInvalidStateException", `${key.arn} is pending import.`, 400);
    if (key.keyState !== state) key.keyStateChangedAt = world.now().toISOString();
    key.keyState = state;
  });
}

export function keyOperations(world: World): Record<string, Operation> {
  return {
    CreateKey: operation({
      resolve: (input) => readKeyShape(input),
      access: (_shape, ctx) => [identityAccess(ctx, "CreateKey")],
      async run(shape, input, ctx, audit) {
        const multiRegion = optBoolean(input, "MultiRegion") ?? false;
        const keyId = multiRegion ? `mrk-${randomBytes(16).toString("hex")}` : randomUUID();
        const account = ctx.principal.accountId;
        const policy = optString(input, "Policy") ?? defaultKeyPolicy(account);
        lockoutCheck(world, ctx, policy, keyArn(ctx.region, account, keyId), account, optBoolean(input, "BypassPolicyLockoutSafetyCheck") ?? false);
        // Symmetric material is made by newKey; an EXTERNAL key starts without any.
        const material = shape.origin === "EXTERNAL" || shape.keySpec === "SYMMETRIC_DEFAULT" ? undefined : await generateMaterial(shape.keySpec);
        const key = newKey(world, {
          material,
          keyId,
          region: ctx.region,
          accountId: account,
          policy,
          description: optString(input, "Description") ?? "",
          tags: toTags(input, "Tags"),
          multiRegion,
          ...shape,
        });
        audit.keyArn = key.arn;
        world.changed();
        return { KeyMetadata: keyMetadata(world, key) };
      },
    }),

    DescribeKey: keyOperation(world, "DescribeKey", (key) => ({ KeyMetadata: keyMetadata(world, key) })),

    ListKeys: operation({
      resolve: () => undefined,
      access: (_none, ctx) => [identityAccess(ctx, "ListKeys")],
      run: (_none, _input, ctx) => ({ Keys: Object.values(callerRegion(world, ctx).keys).map((k) => ({ KeyId: k.keyId, KeyArn: k.arn })), Truncated: false }),
    }),

    EnableKey: setState(world, "EnableKey", "Enabled"),
    DisableKey: setState(world, "DisableKey", "Disabled"),

    ScheduleKeyDeletion: keyOperation(
      world,
      "ScheduleKeyDeletion",
      (key, input) => {
        const days = optNumber(input, "PendingWindowInDays") ?? 30;
        if (!Number.isInteger(days) || days < 7 || days > 30) {
          throw validationException(`1 validation error detected: Value '${days}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value ${days < 7 ? "greater than or equal to 7" : "less than or equal to 30"}`);
        }
        requireNotPendingDeletion(key);
        key.keyState = "PendingDeletion";
        key.keyStateChangedAt = world.now().toISOString();
        key.pendingWindowInDays = days;
        key.deletionDate = new Date(world.now().getTime() + days * 86_400_000).toISOString();
        world.changed();
        return { KeyId: key.arn, DeletionDate: new Date(key.deletionDate), KeyState: "PendingDeletion", PendingWindowInDays: days };
      },
      { allowAlias: false },
    ),

    CancelKeyDeletion: keyOperation(
      world,
      "CancelKeyDeletion",
      (key) => {
        if (key.keyState !== "PendingDeletion") throw new ServiceError("KMSInvalidStateException", `${key.arn} is not pending deletion.`, 400);
        // A cancelled deletion leaves the key disabled (KMS Developer Guide, "Deleting AWS KMS keys"),
        // or waiting for material if its imported material expired or was deleted meanwhile.
        key.keyState = key.origin === "EXTERNAL" && key.material === "" ? "PendingImport" : "Disabled";
        key.keyStateChangedAt = world.now().toISOString();
        delete key.deletionDate;
        delete key.pendingWindowInDays;
        world.changed();
        return { KeyId: key.arn };
      },
      { allowAlias: false },
    ),

    UpdateKeyDescription: keyUpdate(world, "UpdateKeyDescription", (key, input) => {
      requireNotPendingDeletion(key);
      key.description = optString(input, "Description") ?? "";
    }),

    ReplicateKey: keyOperation(
      world,
      "ReplicateKey",
      (key, input, ctx) => {
        if (!key.multiRegion) throw new ServiceError("UnsupportedOperationException", `${key.arn} is not a multi-Region key.`, 400);
        if (key.multiRegionKeyType === "REPLICA") {
          throw new ServiceError("UnsupportedOperationException", `${key.arn} is a replica key; replicate the primary key instead.`, 400);
        }
        requireNotPendingDeletion(key);
        const replicaRegion = reqString(input, "ReplicaRegion");
        if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(replicaRegion)) throw validationException(`Invalid region ${replicaRegion}`);
        if (replicaRegion === key.region || findKey(world, key.accountId, replicaRegion, key.keyId)) {
          throw new ServiceError("AlreadyExistsException", `Multi-Region key ${key.keyId} already exists in region ${replicaRegion}.`, 400);
        }
        const policy = optString(input, "Policy") ?? key.policy;
        const replicaCtx: CallContext = { ...ctx, region: replicaRegion };
        lockoutCheck(world, replicaCtx, policy, keyArn(replicaRegion, key.accountId, key.keyId), key.accountId, optBoolean(input, "BypassPolicyLockoutSafetyCheck") ?? false);
        const replica = newKey(world, {
          keyId: key.keyId,
          region: replicaRegion,
          accountId: key.accountId,
          policy,
          description: optString(input, "Description") ?? key.description,
          tags: toTags(input, "Tags"),
          multiRegion: true,
          material: key.material,
          multiRegionKeyType: "REPLICA",
          primaryRegion: key.region,
          keySpec: key.keySpec,
          keyUsage: key.keyUsage,
          // A replica of a key with imported material gets none: the same material is imported into it.
          origin: key.origin,
        });
        if (key.importedMaterialFingerprint !== undefined) replica.importedMaterialFingerprint = key.importedMaterialFingerprint;
        world.changed();
        return { ReplicaKeyMetadata: keyMetadata(world, replica), ReplicaPolicy: replica.policy, ReplicaTags: replica.tags };
      },
      { allowAlias: false },
    ),
  };
}

/** The AWS managed key (`alias/aws/s3`, `alias/aws/rds`) of an account, created on first use. */
export function awsManagedKeyArn(world: World, accountId: string, region: string, service: "s3" | "rds"): string {
  const rs = regionState(world, accountId, region);
  const aliasName = `alias/aws/${service}`;
  const existing = rs.aliases[aliasName];
  const existingKey: KmsKey | undefined = existing ? rs.keys[existing.targetKeyId] : undefined;
  if (existingKey) return existingKey.arn;
  const label = service.toUpperCase();
  // The policy AWS gives its managed keys: usable by the account only through the service.
  const policy = JSON.stringify({
    Version: "2012-10-17",
    Id: `auto-${service}-2`,
    Statement: [
      {
        Sid: `Allow access through ${label} for all principals in the account that are authorized to use ${label}`,
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:ListGrants", "kms:DescribeKey"],
        Resource: "*",
        Condition: { StringEquals: { "kms:CallerAccount": accountId, "kms:ViaService": `${service}.${region}.amazonaws.com` } },
      },
      {
        Sid: "Allow direct access to key metadata to the account",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: ["kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant"],
        Resource: "*",
      },
    ],
  });
  const key = newKey(world, {
    keyId: randomUUID(),
    region,
    accountId,
    policy,
    description: `Default key that protects my ${label} data when no other key is defined`,
    tags: [],
    multiRegion: false,
    keyManager: "AWS",
  });
  rs.aliases[aliasName] = { aliasName, targetKeyId: key.keyId, creationDate: key.creationDate, lastUpdatedDate: key.creationDate };
  world.changed();
  return key.arn;
}
