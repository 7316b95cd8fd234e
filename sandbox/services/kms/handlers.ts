/**
 * KMS operations. Every call is authorized with the key policy, the caller's identity
 * policies and the key's grants, checked against the key state, and recorded in the trail.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { ServiceError, validationException } from "../../errors";
import {
  type Input,
  isRecord,
  optBlob,
  optBoolean,
  optList,
  optNumber,
  optObject,
  optString,
  optStringList,
  optStringMap,
  reqString,
} from "../../input";
import { accessDeniedMessage, decideIdentity, decideKms } from "../../policy/evaluator";
import { policyDocumentSchema, type AuthzRequest, type ContextValue, type PolicyDocument } from "../../policy/types";
import { regional } from "../../state";
import { type CallContext, type Handler, type Output, type Service, type World, invoke } from "../../world";
import { decryptBlob, encryptBlob, newKeyMaterial, parseBlob } from "./crypto";
import type { GrantConstraints, KmsAlias, KmsGrant, KmsKey, KmsRegionState, KmsTag } from "./model";

const KEY_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
const KEY_ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):key\/(.+)$/;
const ALIAS_ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):(alias\/.+)$/;
const ALIAS_NAME = /^alias\/[a-zA-Z0-9/_-]+$/;

/** Operations a grant can allow (KMS Developer Guide, "Grant operations"). */
const GRANT_OPERATIONS = new Set([
  "Decrypt",
  "Encrypt",
  "GenerateDataKey",
  "GenerateDataKeyWithoutPlaintext",
  "ReEncryptFrom",
  "ReEncryptTo",
  "CreateGrant",
  "RetireGrant",
  "DescribeKey",
  "GenerateDataKeyPair",
  "GenerateDataKeyPairWithoutPlaintext",
  "Sign",
  "Verify",
  "GetPublicKey",
  "GenerateMac",
  "VerifyMac",
  "DeriveSharedSecret",
]);

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
]);

const CRYPTO_OPERATIONS = new Set(["Encrypt", "Decrypt", "ReEncryptFrom", "ReEncryptTo", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext"]);

interface TrailDraft {
  action: string;
  keyArn: string;
  encryptionContext?: Record<string, string>;
}

export function keyArn(region: string, account: string, keyId: string): string {
  return `arn:aws:kms:${region}:${account}:key/${keyId}`;
}

export function defaultKeyPolicy(accountId: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Id: "key-default-1",
    Statement: [
      {
        Sid: "Enable IAM User Permissions",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: "kms:*",
        Resource: "*",
      },
    ],
  });
}

function notFound(message: string): ServiceError {
  return new ServiceError("NotFoundException", message, 400);
}

function parsePolicy(policy: string): PolicyDocument {
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

function toTags(input: Input, name: string): KmsTag[] {
  const list = optList(input, name) ?? [];
  return list.map((item) => {
    if (!isRecord(item) || typeof item.TagKey !== "string" || typeof item.TagValue !== "string") {
      throw validationException("Each tag needs TagKey and TagValue strings");
    }
    return { TagKey: item.TagKey, TagValue: item.TagValue };
  });
}

function mergeTags(existing: KmsTag[], added: KmsTag[]): KmsTag[] {
  const map = new Map(existing.map((t) => [t.TagKey, t.TagValue]));
  for (const t of added) map.set(t.TagKey, t.TagValue);
  return [...map].map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
}

function contextMatches(constraints: GrantConstraints | undefined, context: Record<string, string> | undefined): boolean {
  if (!constraints) return true;
  const ctx = context ?? {};
  if (constraints.EncryptionContextEquals) {
    const want = constraints.EncryptionContextEquals;
    if (Object.keys(want).length !== Object.keys(ctx).length) return false;
    return Object.entries(want).every(([k, v]) => ctx[k] === v);
  }
  if (constraints.EncryptionContextSubset) {
    return Object.entries(constraints.EncryptionContextSubset).every(([k, v]) => ctx[k] === v);
  }
  return true;
}

export interface KmsService extends Service {
  /** For S3, RDS and CloudFormation: run a KMS operation as the caller (faults and trail apply). */
  call(operation: string, input: Input, ctx: CallContext): Promise<Output>;
  /** The AWS managed key (`alias/aws/s3`, `alias/aws/rds`) of an account, created on first use. */
  awsManagedKeyArn(accountId: string, region: string, service: "s3" | "rds"): string;
  /** An AWS service retiring the grant it holds (it is the grant's retiring principal). */
  retireGrantAsService(keyArn: string, grantId: string): void;
}

export function createKmsService(world: World): KmsService {
  const regionState = (account: string, region: string): KmsRegionState =>
    regional(world.state.kms, account, region, () => ({ keys: {}, aliases: {} }));

  /** Keys past their deletion date are gone. */
  function purgeDeleted(rs: KmsRegionState): void {
    const now = world.now().getTime();
    for (const [id, key] of Object.entries(rs.keys)) {
      if (key.keyState === "PendingDeletion" && key.deletionDate && Date.parse(key.deletionDate) <= now) {
        delete rs.keys[id];
        for (const [name, alias] of Object.entries(rs.aliases)) if (alias.targetKeyId === id) delete rs.aliases[name];
      }
    }
  }

  function findKey(account: string, region: string, keyId: string): KmsKey | undefined {
    const rs = regionState(account, region);
    purgeDeleted(rs);
    return rs.keys[keyId];
  }

  /** Key id, key ARN, alias name or alias ARN → key, in the caller's region only. */
  function resolveKey(ctx: CallContext, identifier: string, operation: string, allowAlias = true): KmsKey {
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
      const rs = regionState(account, ctx.region);
      purgeDeleted(rs);
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
    const key = keyId === undefined ? undefined : findKey(account, ctx.region, keyId);
    if (!key) throw notFound(`Key '${keyArn(ctx.region, account, keyId ?? identifier)}' does not exist`);
    return key;
  }

  function requestContext(ctx: CallContext, key: KmsKey | undefined, extra: Record<string, ContextValue>): Record<string, ContextValue> {
    const p = ctx.principal;
    const context: Record<string, ContextValue> = {
      "aws:PrincipalAccount": p.accountId,
      "aws:PrincipalArn": p.roleArn ?? p.arn,
      "aws:PrincipalType": p.principalType,
      "aws:userid": p.userId,
      "aws:RequestedRegion": ctx.region,
      "aws:SecureTransport": "true",
      "aws:CurrentTime": world.now().toISOString(),
      "aws:EpochTime": String(Math.floor(world.now().getTime() / 1000)),
      "kms:CallerAccount": p.accountId,
      ...extra,
    };
    if (ctx.viaService) {
      context["kms:ViaService"] = ctx.viaService;
      context["aws:CalledVia"] = [ctx.viaService.split(".")[0] + ".amazonaws.com"];
    }
    if (key) {
      context["kms:KeyOrigin"] = key.origin;
      context["kms:KeySpec"] = key.keySpec;
      context["kms:KeyUsage"] = key.keyUsage;
      context["kms:MultiRegion"] = String(key.multiRegion);
      const aliases = Object.values(regionState(key.accountId, key.region).aliases)
        .filter((a) => a.targetKeyId === key.keyId)
        .map((a) => a.aliasName);
      if (aliases.length > 0) context["kms:ResourceAliases"] = aliases;
      for (const tag of key.tags) context[`aws:ResourceTag/${tag.TagKey}`] = tag.TagValue;
    }
    return context;
  }

  function encryptionContextKeys(encryptionContext: Record<string, string> | undefined): Record<string, ContextValue> {
    const out: Record<string, ContextValue> = {};
    if (!encryptionContext) return out;
    for (const [k, v] of Object.entries(encryptionContext)) out[`kms:EncryptionContext:${k}`] = v;
    out["kms:EncryptionContextKeys"] = Object.keys(encryptionContext);
    return out;
  }

  function grantAllows(ctx: CallContext, key: KmsKey, operation: string, encryptionContext: Record<string, string> | undefined): boolean {
    const p = ctx.principal;
    return key.grants.some(
      (g) =>
        (g.granteePrincipal === p.arn || g.granteePrincipal === p.roleArn) &&
        g.operations.includes(operation) &&
        contextMatches(g.constraints, encryptionContext),
    );
  }

  function authorize(
    ctx: CallContext,
    key: KmsKey,
    operation: string,
    options: { encryptionContext?: Record<string, string>; extra?: Record<string, ContextValue> } = {},
  ): void {
    const request: AuthzRequest = {
      principal: { arn: ctx.principal.arn, accountId: ctx.principal.accountId, roleArn: ctx.principal.roleArn },
      action: `kms:${operation}`,
      resource: key.arn,
      context: requestContext(ctx, key, { ...encryptionContextKeys(options.encryptionContext), ...options.extra }),
    };
    const decision = decideKms({
      request,
      identityPolicies: ctx.principal.identityPolicies,
      keyPolicy: parsePolicy(key.policy),
      keyAccountId: key.accountId,
      grantAllows: GRANT_OPERATIONS.has(operation) && grantAllows(ctx, key, operation, options.encryptionContext),
    });
    if (!decision.allowed) throw new ServiceError("AccessDeniedException", accessDeniedMessage(request, decision), 400);
  }

  function authorizeIdentityOnly(ctx: CallContext, operation: string, resource: string): void {
    const request: AuthzRequest = {
      principal: { arn: ctx.principal.arn, accountId: ctx.principal.accountId, roleArn: ctx.principal.roleArn },
      action: `kms:${operation}`,
      resource,
      context: requestContext(ctx, undefined, {}),
    };
    const decision = decideIdentity(request, ctx.principal.identityPolicies);
    if (!decision.allowed) throw new ServiceError("AccessDeniedException", accessDeniedMessage(request, decision), 400);
  }

  /** Key state rules (KMS Developer Guide, "Key states of AWS KMS keys"). */
  function requireUsable(key: KmsKey, operation: string): void {
    if (key.keyState === "PendingDeletion") {
      throw new ServiceError("KMSInvalidStateException", `${key.arn} is pending deletion.`, 400);
    }
    if (key.keyState === "Disabled" && CRYPTO_OPERATIONS.has(operation)) {
      throw new ServiceError("DisabledException", `${key.arn} is disabled.`, 400);
    }
  }

  function requireNotPendingDeletion(key: KmsKey): void {
    if (key.keyState === "PendingDeletion") {
      throw new ServiceError("KMSInvalidStateException", `${key.arn} is pending deletion.`, 400);
    }
  }

  function keyMetadata(key: KmsKey): Output {
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
      EncryptionAlgorithms: ["SYMMETRIC_DEFAULT"],
      MultiRegion: key.multiRegion,
    };
    if (key.deletionDate) meta.DeletionDate = new Date(key.deletionDate);
    if (key.pendingWindowInDays !== undefined && key.keyState === "PendingDeletion") meta.PendingDeletionWindowInDays = key.pendingWindowInDays;
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

  function lockoutCheck(ctx: CallContext, policyText: string, resource: string, accountId: string, bypass: boolean): void {
    const policy = parsePolicy(policyText);
    if (bypass) return;
    const request: AuthzRequest = {
      principal: { arn: ctx.principal.arn, accountId: ctx.principal.accountId, roleArn: ctx.principal.roleArn },
      action: "kms:PutKeyPolicy",
      resource,
      context: requestContext(ctx, undefined, {}),
    };
    const decision = decideKms({ request, identityPolicies: ctx.principal.identityPolicies, keyPolicy: policy, keyAccountId: accountId });
    if (!decision.allowed) {
      throw new ServiceError("MalformedPolicyDocumentException", "The new key policy will not allow you to update the key policy in the future.", 400);
    }
  }

  function readContext(input: Input, name: string): Record<string, string> | undefined {
    const ctx = optStringMap(input, name);
    return ctx && Object.keys(ctx).length > 0 ? ctx : undefined;
  }

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

  function newKey(ctx: CallContext, options: { keyId: string; region: string; accountId: string; policy: string; description: string; tags: KmsTag[]; multiRegion: boolean; material?: string; keyManager?: "AWS" | "CUSTOMER"; multiRegionKeyType?: "PRIMARY" | "REPLICA"; primaryRegion?: string }): KmsKey {
    const key: KmsKey = {
      keyId: options.keyId,
      arn: keyArn(options.region, options.accountId, options.keyId),
      accountId: options.accountId,
      region: options.region,
      description: options.description,
      keyUsage: "ENCRYPT_DECRYPT",
      keySpec: "SYMMETRIC_DEFAULT",
      keyManager: options.keyManager ?? "CUSTOMER",
      origin: "AWS_KMS",
      creationDate: world.now().toISOString(),
      keyState: "Enabled",
      policy: options.policy,
      tags: options.tags,
      rotationEnabled: options.keyManager === "AWS",
      multiRegion: options.multiRegion,
      material: options.material ?? newKeyMaterial(),
      grants: [],
    };
    if (options.multiRegion) {
      key.multiRegionKeyType = options.multiRegionKeyType ?? "PRIMARY";
      key.primaryRegion = options.primaryRegion ?? options.region;
    }
    regionState(options.accountId, options.region).keys[key.keyId] = key;
    void ctx;
    return key;
  }

  function awsManagedKeyArn(accountId: string, region: string, service: "s3" | "rds"): string {
    const rs = regionState(accountId, region);
    const aliasName = `alias/aws/${service}`;
    const existing = rs.aliases[aliasName];
    if (existing) {
      const key = rs.keys[existing.targetKeyId];
      if (key) return key.arn;
    }
    const keyId = randomUUID();
    // The policy AWS gives its managed keys: usable by the account only through the service.
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Id: `auto-${service}-2`,
      Statement: [
        {
          Sid: `Allow access through ${service.toUpperCase()} for all principals in the account that are authorized to use ${service.toUpperCase()}`,
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
    const now = world.now().toISOString();
    const key: KmsKey = {
      keyId,
      arn: keyArn(region, accountId, keyId),
      accountId,
      region,
      description: `Default key that protects my ${service.toUpperCase()} data when no other key is defined`,
      keyUsage: "ENCRYPT_DECRYPT",
      keySpec: "SYMMETRIC_DEFAULT",
      keyManager: "AWS",
      origin: "AWS_KMS",
      creationDate: now,
      keyState: "Enabled",
      policy,
      tags: [],
      rotationEnabled: true,
      multiRegion: false,
      material: newKeyMaterial(),
      grants: [],
    };
    rs.keys[keyId] = key;
    rs.aliases[aliasName] = { aliasName, targetKeyId: keyId, creationDate: now, lastUpdatedDate: now };
    world.changed();
    return key.arn;
  }

  function decryptInternal(ctx: CallContext, draft: TrailDraft, blob: Buffer, context: Record<string, string> | undefined, keyIdHint: string | undefined, operation: "Decrypt" | "ReEncryptFrom"): { key: KmsKey; plaintext: Buffer } {
    const parsed = parseBlob(blob);
    if (!parsed) throw new ServiceError("InvalidCiphertextException", "", 400);
    const m = KEY_ARN.exec(parsed.keyArn);
    if (!m) throw new ServiceError("InvalidCiphertextException", "", 400);
    const [, , , account, keyId] = m;
    // A multi-Region replica in this region decrypts what its primary encrypted.
    const key = account && keyId ? findKey(account, ctx.region, keyId) : undefined;
    if (!key) {
      throw new ServiceError("AccessDeniedException", "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.", 400);
    }
    draft.keyArn = key.arn;
    if (keyIdHint !== undefined) {
      const hinted = resolveKey(ctx, keyIdHint, operation);
      if (hinted.arn !== key.arn) {
        throw new ServiceError("IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation.", 400);
      }
    }
    authorize(ctx, key, operation === "ReEncryptFrom" ? "ReEncryptFrom" : "Decrypt", { encryptionContext: context });
    requireUsable(key, operation);
    const plaintext = decryptBlob(parsed, key.keyId, key.material, context);
    if (!plaintext) throw new ServiceError("InvalidCiphertextException", "", 400);
    return { key, plaintext };
  }

  const ops: Record<string, (input: Input, ctx: CallContext, draft: TrailDraft) => Output> = {
    CreateKey(input, ctx, draft) {
      const keySpec = optString(input, "KeySpec") ?? optString(input, "CustomerMasterKeySpec") ?? "SYMMETRIC_DEFAULT";
      if (keySpec !== "SYMMETRIC_DEFAULT") {
        throw new ServiceError("UnsupportedOperationException", `The sandbox supports only SYMMETRIC_DEFAULT keys, not ${keySpec}.`, 400);
      }
      const usage = optString(input, "KeyUsage") ?? "ENCRYPT_DECRYPT";
      if (usage !== "ENCRYPT_DECRYPT") {
        throw validationException(`KeyUsage ${usage} is not compatible with KeySpec SYMMETRIC_DEFAULT`);
      }
      const origin = optString(input, "Origin") ?? "AWS_KMS";
      if (origin !== "AWS_KMS") throw new ServiceError("UnsupportedOperationException", `The sandbox supports only Origin AWS_KMS, not ${origin}.`, 400);
      authorizeIdentityOnly(ctx, "CreateKey", "*");
      const multiRegion = optBoolean(input, "MultiRegion") ?? false;
      const keyId = multiRegion ? `mrk-${randomBytes(16).toString("hex")}` : randomUUID();
      const account = ctx.principal.accountId;
      const policy = optString(input, "Policy") ?? defaultKeyPolicy(account);
      lockoutCheck(ctx, policy, keyArn(ctx.region, account, keyId), account, optBoolean(input, "BypassPolicyLockoutSafetyCheck") ?? false);
      const key = newKey(ctx, {
        keyId,
        region: ctx.region,
        accountId: account,
        policy,
        description: optString(input, "Description") ?? "",
        tags: toTags(input, "Tags"),
        multiRegion,
      });
      draft.keyArn = key.arn;
      return { KeyMetadata: keyMetadata(key) };
    },

    DescribeKey(input, ctx, draft) {
      const key = resolveKey(ctx, reqString(input, "KeyId"), "DescribeKey");
      draft.keyArn = key.arn;
      authorize(ctx, key, "DescribeKey");
      return { KeyMetadata: keyMetadata(key) };
    },

    ListKeys(_input, ctx) {
      authorizeIdentityOnly(ctx, "ListKeys", "*");
      const rs = regionState(ctx.principal.accountId, ctx.region);
      purgeDeleted(rs);
      return { Keys: Object.values(rs.keys).map((k) => ({ KeyId: k.keyId, KeyArn: k.arn })), Truncated: false };
    },

    CreateAlias(input, ctx, draft) {
      const aliasName = reqString(input, "AliasName");
      validateAliasName(aliasName);
      const key = resolveKey(ctx, reqString(input, "TargetKeyId"), "CreateAlias", false);
      draft.keyArn = key.arn;
      authorize(ctx, key, "CreateAlias");
      requireNotPendingDeletion(key);
      const rs = regionState(ctx.principal.accountId, ctx.region);
      if (rs.aliases[aliasName]) {
        throw new ServiceError("AlreadyExistsException", `An alias with the name arn:aws:kms:${ctx.region}:${ctx.principal.accountId}:${aliasName} already exists`, 400);
      }
      const now = world.now().toISOString();
      rs.aliases[aliasName] = { aliasName, targetKeyId: key.keyId, creationDate: now, lastUpdatedDate: now };
      return {};
    },

    UpdateAlias(input, ctx, draft) {
      const aliasName = reqString(input, "AliasName");
      const rs = regionState(ctx.principal.accountId, ctx.region);
      const alias = rs.aliases[aliasName];
      if (!alias) throw notFound(`Alias arn:aws:kms:${ctx.region}:${ctx.principal.accountId}:${aliasName} is not found.`);
      const key = resolveKey(ctx, reqString(input, "TargetKeyId"), "UpdateAlias", false);
      draft.keyArn = key.arn;
      authorize(ctx, key, "UpdateAlias");
      requireNotPendingDeletion(key);
      alias.targetKeyId = key.keyId;
      alias.lastUpdatedDate = world.now().toISOString();
      return {};
    },

    DeleteAlias(input, ctx, draft) {
      const aliasName = reqString(input, "AliasName");
      const rs = regionState(ctx.principal.accountId, ctx.region);
      const alias = rs.aliases[aliasName];
      if (!alias) throw notFound(`Alias arn:aws:kms:${ctx.region}:${ctx.principal.accountId}:${aliasName} is not found.`);
      const key = rs.keys[alias.targetKeyId];
      if (key) {
        draft.keyArn = key.arn;
        authorize(ctx, key, "DeleteAlias");
      }
      delete rs.aliases[aliasName];
      return {};
    },

    ListAliases(input, ctx) {
      authorizeIdentityOnly(ctx, "ListAliases", "*");
      const rs = regionState(ctx.principal.accountId, ctx.region);
      purgeDeleted(rs);
      const filter = optString(input, "KeyId");
      const filterKey = filter === undefined ? undefined : resolveKey(ctx, filter, "ListAliases", false);
      const aliases = Object.values(rs.aliases)
        .filter((a) => filterKey === undefined || a.targetKeyId === filterKey.keyId)
        .sort((a, b) => a.aliasName.localeCompare(b.aliasName))
        .map((a: KmsAlias) => ({
          AliasName: a.aliasName,
          AliasArn: `arn:aws:kms:${ctx.region}:${ctx.principal.accountId}:${a.aliasName}`,
          TargetKeyId: a.targetKeyId,
          CreationDate: new Date(a.creationDate),
          LastUpdatedDate: new Date(a.lastUpdatedDate),
        }));
      return { Aliases: aliases, Truncated: false };
    },

    GetKeyPolicy(input, ctx, draft) {
      const key = resolveKey(ctx, reqString(input, "KeyId"), "GetKeyPolicy", false);
      draft.keyArn = key.arn;
      authorize(ctx, key, "GetKeyPolicy");
      const policyName = optString(input, "PolicyName") ?? "default";
      if (policyName !== "default") throw notFound(`Policy ${policyName} does not exist`);
      return { Policy: key.policy, PolicyName: "default" };
    },

    PutKeyPolicy(input, ctx, draft) {
      const key = resolveKey(ctx, reqString(input, "KeyId"), "PutKeyPolicy", false);
      draft.keyArn = key.arn;
      authorize(ctx, key, "PutKeyPolicy");
      const policyName = optString(input, "PolicyName") ?? "default";
      if (policyName !== "default") throw validationException("PolicyName must be default");
      const policy = reqString(input, "Policy");
      lockoutCheck(ctx, policy, key.arn, key.accountId, optBoolean(input, "BypassPolicyLockoutSafetyCheck") ?? false);
      key.policy = policy;
      return {};
    },

    EnableKey(input, ctx, draft) {
      const key = resolveKey(ctx, reqString(input, "KeyId"), "EnableKey", false);
      draft.keyArn = key.arn;
      authorize(ctx, key, "EnableKey");
      requireNotPendingDeletion(key);
      key.keyState = "Enabled";
      return {};
    },

    DisableKey(input, ctx, draft) {
      const key = resolveKey(ctx, reqString(input, "KeyId"), "DisableKey", false);
      draft.keyArn = key.arn;
      authorize(ctx, key, "DisableKey");
      requireNotPendingDeletion(key);
      key.keyState = "Disabled";
      return {};
    },

    ScheduleKeyDeletion(input, ctx, draft) {
      const key = resolveKey(ctx, reqString(input, "KeyId"), "ScheduleKeyDeletion", false);
      draft.keyArn = key.arn;
      authorize(ctx, key, "ScheduleKeyDeletion");
      const days = optNumber(input, "PendingWindowInDays") ?? 30;
      if (!Number.isInteger(days) || days < 7 || days > 30) {
        throw validationException(`1 validation error detected: Value '${days}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value ${days < 7 ? "greater than or equal to 7" : "less than or equal to 30"}`);
      }
      requireNotPendingDeletion(key);
      key.keyState = "PendingDeletion";
      key.pendingWindowInDays = days;
      key.deletionDate = new Date(world.now().getTime() + days * 86_400_000).toISOString();
      return { KeyId: key.arn, DeletionDate: new Date(key.deletionDate), KeyState: "PendingDeletion", PendingWindowInDays: days };
    },

    CancelKeyDeletion(input, ctx, draft) {
      const key = resolveKey(ctx, reqString(input, "KeyId"), "CancelKeyDeletion", false);
      draft.keyArn = key.arn;
      authorize(ctx, key, "CancelKeyDeletion");
      if (key.keyState !== "PendingDeletion") {
        throw new ServiceError("KMSInvalidStateException", `${key.arn} is not pending deletion.`, 400);
      }
      // A cancelled deletion leaves the key disabled (KMS Developer Guide, "Deleting AWS KMS keys").
      key.keyState = "Disabled";
      delete key.deletionDate;
      delete key.pendingWindowInDays;
      return { KeyId: key.arn };
    },

    GetKeyRotationStatus(input, ctx, draft) {
      const key = resolveKey(ctx, reqString(input, "KeyId"), "GetKeyRotationStatus", false);
      draft.keyArn = key.arn;
      authorize(ctx, key, "GetKeyRotationStatus");
      requireNotPendingDeletion(key);
      const out: Output = { KeyRotationEnabled: key.rotationEnabled, KeyId: key.arn };
      if (key.rotationEnabled) {
        const period = key.rotationPeriodInDays ?? 365;
        out.RotationPeriodInDays = period;
        out.NextRotationDate = new Date(Date.parse(key.creationDate) + period * 86_400_000);
      }
      return out;
    },

    EnableKeyRotation(input, ctx, draft) {
      const key = resolveKey(ctx, reqString(input, "KeyId"), "EnableKeyRotation", false);
      draft.keyArn = key.arn;
      authorize(ctx, key, "EnableKeyRotation");
      requireNotPendingDeletion(key);
      if (key.keyState === "Disabled") throw new ServiceError("DisabledException", `${key.arn} is disabled.`, 400);
      const period = optNumber(input, "RotationPeriodInDays") ?? 365;
      if (!Number.isInteger(period) || period < 90 || period > 2560) {
        throw validationException(`1 validation error detected: Value '${period}' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value between 90 and 2560`);
      }
      key.rotationEnabled = true;
      key.rotationPeriodInDays = period;
      return {};
    },

    DisableKeyRotation(input, ctx, draft) {
      const key = resolveKey(ctx, reqString(input, "KeyId"), "DisableKeyRotation", false);
      draft.keyArn = key.arn;
      authorize(ctx, key, "DisableKeyRotation");
      requireNotPendingDeletion(key);
      if (key.keyState === "Disabled") throw new ServiceError("DisabledException", `${key.arn} is disabled.`, 400);
      key.rotationEnabled = false;
      return {};
    },

    UpdateKeyDescription(input, ctx, draft) {
      const key = resolveKey(ctx, reqString(input, "KeyId"), "UpdateKeyDescription", false);
      draft.keyArn = key.arn;
      authorize(ctx, key, "UpdateKeyDescription");
      requireNotPendingDeletion(key);
      key.description = optString(input, "Description") ?? "";
      return {};
    },

    TagResource(input, ctx, draft) {
      const key = resolveKey(ctx, reqString(input, "KeyId"), "TagResource", false);
      draft.keyArn = key.arn;
      authorize(ctx, key, "TagResource");
      requireNotPendingDeletion(key);
      key.tags = mergeTags(key.tags, toTags(input, "Tags"));
      return {};
    },

    UntagResource(input, ctx, draft) {
      const key = resolveKey(ctx, reqString(input, "KeyId"), "UntagResource", false);
      draft.keyArn = key.arn;
      authorize(ctx, key, "UntagResource");
      requireNotPendingDeletion(key);
      const remove = new Set(optStringList(input, "TagKeys") ?? []);
      key.tags = key.tags.filter((t) => !remove.has(t.TagKey));
      return {};
    },

    ListResourceTags(input, ctx, draft) {
      const key = resolveKey(ctx, reqString(input, "KeyId"), "ListResourceTags", false);
      draft.keyArn = key.arn;
      authorize(ctx, key, "ListResourceTags");
      return { Tags: key.tags.map((t) => ({ ...t })), Truncated: false };
    },

    Encrypt(input, ctx, draft) {
      const key = resolveKey(ctx, reqString(input, "KeyId"), "Encrypt");
      const encryptionContext = readContext(input, "EncryptionContext");
      Object.assign(draft, { keyArn: key.arn, encryptionContext });
      const plaintext = optBlob(input, "Plaintext");
      if (!plaintext || plaintext.length === 0 || plaintext.length > 4096) {
        throw validationException("1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length between 1 and 4096");
      }
      authorize(ctx, key, "Encrypt", { encryptionContext });
      requireUsable(key, "Encrypt");
      return {
        CiphertextBlob: encryptBlob(key.arn, key.keyId, key.material, plaintext, encryptionContext),
        KeyId: key.arn,
        EncryptionAlgorithm: "SYMMETRIC_DEFAULT",
      };
    },

    Decrypt(input, ctx, draft) {
      const encryptionContext = readContext(input, "EncryptionContext");
      draft.encryptionContext = encryptionContext;
      const blob = optBlob(input, "CiphertextBlob");
      if (!blob) throw validationException("1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null");
      const { key, plaintext } = decryptInternal(ctx, draft, blob, encryptionContext, optString(input, "KeyId"), "Decrypt");
      return { KeyId: key.arn, Plaintext: plaintext, EncryptionAlgorithm: "SYMMETRIC_DEFAULT" };
    },

    ReEncrypt(input, ctx, draft) {
      const sourceContext = readContext(input, "SourceEncryptionContext");
      const destinationContext = readContext(input, "DestinationEncryptionContext");
      const blob = optBlob(input, "CiphertextBlob");
      if (!blob) throw validationException("1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null");
      draft.encryptionContext = destinationContext;
      const source = decryptInternal(ctx, draft, blob, sourceContext, optString(input, "SourceKeyId"), "ReEncryptFrom");
      const destination = resolveKey(ctx, reqString(input, "DestinationKeyId"), "ReEncryptTo");
      draft.keyArn = destination.arn;
      authorize(ctx, destination, "ReEncryptTo", { encryptionContext: destinationContext });
      requireUsable(destination, "ReEncryptTo");
      return {
        CiphertextBlob: encryptBlob(destination.arn, destination.keyId, destination.material, source.plaintext, destinationContext),
        SourceKeyId: source.key.arn,
        KeyId: destination.arn,
        SourceEncryptionAlgorithm: "SYMMETRIC_DEFAULT",
        DestinationEncryptionAlgorithm: "SYMMETRIC_DEFAULT",
      };
    },

    GenerateDataKey(input, ctx, draft) {
      const key = resolveKey(ctx, reqString(input, "KeyId"), "GenerateDataKey");
      const encryptionContext = readContext(input, "EncryptionContext");
      Object.assign(draft, { keyArn: key.arn, encryptionContext });
      const length = dataKeyLength(input);
      authorize(ctx, key, "GenerateDataKey", { encryptionContext });
      requireUsable(key, "GenerateDataKey");
      const plaintext = randomBytes(length);
      return { CiphertextBlob: encryptBlob(key.arn, key.keyId, key.material, plaintext, encryptionContext), Plaintext: plaintext, KeyId: key.arn };
    },

    GenerateDataKeyWithoutPlaintext(input, ctx, draft) {
      const key = resolveKey(ctx, reqString(input, "KeyId"), "GenerateDataKeyWithoutPlaintext");
      const encryptionContext = readContext(input, "EncryptionContext");
      Object.assign(draft, { keyArn: key.arn, encryptionContext });
      const length = dataKeyLength(input);
      authorize(ctx, key, "GenerateDataKeyWithoutPlaintext", { encryptionContext });
      requireUsable(key, "GenerateDataKeyWithoutPlaintext");
      return { CiphertextBlob: encryptBlob(key.arn, key.keyId, key.material, randomBytes(length), encryptionContext), KeyId: key.arn };
    },

    CreateGrant(input, ctx, draft) {
      const key = resolveKey(ctx, reqString(input, "KeyId"), "CreateGrant");
      draft.keyArn = key.arn;
      const grantee = reqString(input, "GranteePrincipal");
      const operations = optStringList(input, "Operations") ?? [];
      if (operations.length === 0) throw validationException("1 validation error detected: Value null at 'operations' failed to satisfy constraint: Member must not be null");
      for (const op of operations) {
        if (!GRANT_OPERATIONS.has(op)) throw validationException(`1 validation error detected: Value '[${operations.join(", ")}]' at 'operations' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set]`);
      }
      const retiring = optString(input, "RetiringPrincipal");
      const constraintsInput = optObject(input, "Constraints");
      let constraints: GrantConstraints | undefined;
      if (constraintsInput) {
        constraints = {};
        const subset = optStringMap(constraintsInput, "EncryptionContextSubset");
        const equals = optStringMap(constraintsInput, "EncryptionContextEquals");
        if (subset) constraints.EncryptionContextSubset = subset;
        if (equals) constraints.EncryptionContextEquals = equals;
      }
      const extra: Record<string, ContextValue> = { "kms:GrantOperations": operations, "kms:GranteePrincipal": grantee };
      if (retiring) extra["kms:RetiringPrincipal"] = retiring;
      // Only set when an AWS service creates the grant on the caller's behalf.
      if (ctx.viaService) extra["kms:GrantIsForAWSResource"] = "true";
      for (const [k, v] of Object.entries(constraints?.EncryptionContextEquals ?? constraints?.EncryptionContextSubset ?? {})) {
        extra[`kms:EncryptionContext:${k}`] = v;
      }
      authorize(ctx, key, "CreateGrant", { extra });
      requireNotPendingDeletion(key);
      const name = optString(input, "Name");
      const sameGrant = name === undefined ? undefined : key.grants.find(
        (g) => g.name === name && g.granteePrincipal === grantee && g.operations.join() === operations.join() && JSON.stringify(g.constraints) === JSON.stringify(constraints),
      );
      if (sameGrant) return { GrantId: sameGrant.grantId, GrantToken: sameGrant.grantToken };
      const grant: KmsGrant = {
        grantId: randomBytes(32).toString("hex"),
        grantToken: randomBytes(48).toString("base64url"),
        granteePrincipal: grantee,
        issuingAccount: `arn:aws:iam::${ctx.principal.accountId}:root`,
        operations,
        creationDate: world.now().toISOString(),
      };
      if (name !== undefined) grant.name = name;
      if (retiring) grant.retiringPrincipal = retiring;
      if (constraints) grant.constraints = constraints;
      key.grants.push(grant);
      return { GrantId: grant.grantId, GrantToken: grant.grantToken };
    },

    ListGrants(input, ctx, draft) {
      const key = resolveKey(ctx, reqString(input, "KeyId"), "ListGrants");
      draft.keyArn = key.arn;
      const extra: Record<string, ContextValue> = {};
      if (ctx.viaService) extra["kms:GrantIsForAWSResource"] = "true";
      authorize(ctx, key, "ListGrants", { extra });
      const grantId = optString(input, "GrantId");
      const grantee = optString(input, "GranteePrincipal");
      const grants = key.grants
        .filter((g) => (grantId === undefined || g.grantId === grantId) && (grantee === undefined || g.granteePrincipal === grantee))
        .map((g) => {
          const out: Output = {
            KeyId: key.arn,
            GrantId: g.grantId,
            CreationDate: new Date(g.creationDate),
            GranteePrincipal: g.granteePrincipal,
            IssuingAccount: g.issuingAccount,
            Operations: g.operations,
          };
          if (g.name !== undefined) out.Name = g.name;
          if (g.retiringPrincipal !== undefined) out.RetiringPrincipal = g.retiringPrincipal;
          if (g.constraints !== undefined) out.Constraints = g.constraints;
          return out;
        });
      return { Grants: grants, Truncated: false };
    },

    RevokeGrant(input, ctx, draft) {
      const key = resolveKey(ctx, reqString(input, "KeyId"), "RevokeGrant");
      draft.keyArn = key.arn;
      const extra: Record<string, ContextValue> = {};
      if (ctx.viaService) extra["kms:GrantIsForAWSResource"] = "true";
      authorize(ctx, key, "RevokeGrant", { extra });
      const grantId = reqString(input, "GrantId");
      const index = key.grants.findIndex((g) => g.grantId === grantId);
      if (index < 0) throw notFound(`Grant ID ${grantId} not found`);
      key.grants.splice(index, 1);
      return {};
    },

    RetireGrant(input, ctx, draft) {
      const token = optString(input, "GrantToken");
      const grantId = optString(input, "GrantId");
      const keyIdInput = optString(input, "KeyId");
      let key: KmsKey | undefined;
      let grant: KmsGrant | undefined;
      if (token !== undefined) {
        outer: for (const regions of Object.values(world.state.kms)) {
          for (const rs of Object.values(regions)) {
            for (const k of Object.values(rs.keys)) {
              const g = k.grants.find((x) => x.grantToken === token);
              if (g) {
                key = k;
                grant = g;
                break outer;
              }
            }
          }
        }
        if (!grant) throw new ServiceError("InvalidGrantTokenException", "The grant token is invalid.", 400);
      } else {
        if (keyIdInput === undefined || grantId === undefined) throw validationException("Specify a GrantToken, or a KeyId and a GrantId.");
        key = resolveKey(ctx, keyIdInput, "RetireGrant");
        grant = key.grants.find((g) => g.grantId === grantId);
        if (!grant) throw notFound(`Grant ID ${grantId} not found`);
      }
      if (!key || !grant) throw notFound("Grant not found");
      draft.keyArn = key.arn;
      const p = ctx.principal;
      // Who may retire a grant (KMS Developer Guide, "Retiring and revoking grants").
      const mayRetire =
        grant.retiringPrincipal === p.arn ||
        grant.retiringPrincipal === p.roleArn ||
        ((grant.granteePrincipal === p.arn || grant.granteePrincipal === p.roleArn) && grant.operations.includes("RetireGrant")) ||
        grant.issuingAccount === `arn:aws:iam::${p.accountId}:root`;
      if (!mayRetire) {
        throw new ServiceError("AccessDeniedException", `User: ${p.arn} is not authorized to perform: kms:RetireGrant on resource: ${key.arn}`, 400);
      }
      const g = grant;
      key.grants = key.grants.filter((x) => x !== g);
      return {};
    },

    ReplicateKey(input, ctx, draft) {
      const key = resolveKey(ctx, reqString(input, "KeyId"), "ReplicateKey", false);
      draft.keyArn = key.arn;
      authorize(ctx, key, "ReplicateKey");
      if (!key.multiRegion) throw new ServiceError("UnsupportedOperationException", `${key.arn} is not a multi-Region key.`, 400);
      if (key.multiRegionKeyType === "REPLICA") {
        throw new ServiceError("UnsupportedOperationException", `${key.arn} is a replica key; replicate the primary key instead.`, 400);
      }
      requireNotPendingDeletion(key);
      const replicaRegion = reqString(input, "ReplicaRegion");
      if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(replicaRegion)) throw validationException(`Invalid region ${replicaRegion}`);
      if (replicaRegion === key.region || findKey(key.accountId, replicaRegion, key.keyId)) {
        throw new ServiceError("AlreadyExistsException", `Multi-Region key ${key.keyId} already exists in region ${replicaRegion}.`, 400);
      }
      const policy = optString(input, "Policy") ?? key.policy;
      const replicaCtx: CallContext = { ...ctx, region: replicaRegion };
      lockoutCheck(replicaCtx, policy, keyArn(replicaRegion, key.accountId, key.keyId), key.accountId, optBoolean(input, "BypassPolicyLockoutSafetyCheck") ?? false);
      const replica = newKey(replicaCtx, {
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
      });
      return { ReplicaKeyMetadata: keyMetadata(replica), ReplicaPolicy: replica.policy, ReplicaTags: replica.tags };
    },
  };

  const handlers: Record<string, Handler> = {};
  for (const [operation, op] of Object.entries(ops)) {
    handlers[operation] = (input, ctx) => {
      const draft: TrailDraft = { action: operation, keyArn: "" };
      const base = {
        time: world.now().toISOString(),
        principal: ctx.principal.arn,
        action: operation,
      };
      try {
        const out = op(input, ctx, draft);
        world.record({ ...base, keyArn: draft.keyArn, ...trailExtras(ctx, draft), result: "allowed" });
        if (!READ_ONLY.has(operation)) world.changed();
        return out;
      } catch (error) {
        const code = error instanceof ServiceError ? error.code : "InternalFailure";
        world.record({ ...base, keyArn: draft.keyArn, ...trailExtras(ctx, draft), result: code === "AccessDeniedException" ? "denied" : "error", errorCode: code });
        throw error;
      }
    };
  }

  const service: KmsService = {
    name: "kms",
    handlers,
    call: (operation, input, ctx) => invoke(world, service, operation, input, ctx),
    awsManagedKeyArn,
    retireGrantAsService(arn, grantId) {
      const m = KEY_ARN.exec(arn);
      if (!m) return;
      const key = findKey(m[3] ?? "", m[2] ?? "", m[4] ?? "");
      if (!key) return;
      key.grants = key.grants.filter((g) => g.grantId !== grantId);
      world.changed();
    },
  };
  return service;
}

const READ_ONLY = new Set(["DescribeKey", "ListKeys", "ListAliases", "GetKeyPolicy", "GetKeyRotationStatus", "ListResourceTags", "ListGrants", "Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncrypt"]);

function trailExtras(ctx: CallContext, draft: TrailDraft): { viaService?: string; encryptionContext?: Record<string, string> } {
  const out: { viaService?: string; encryptionContext?: Record<string, string> } = {};
  if (ctx.viaService) out.viaService = ctx.viaService;
  if (draft.encryptionContext) out.encryptionContext = draft.encryptionContext;
  return out;
}

function validateAliasName(aliasName: string): void {
  if (aliasName.startsWith("alias/aws/")) {
    throw new ServiceError("NotAuthorizedException", "Cannot create alias with prefix 'alias/aws/'", 400);
  }
  if (!ALIAS_NAME.test(aliasName) || aliasName.length > 256) {
    throw validationException(`1 validation error detected: Value '${aliasName}' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^alias/[a-zA-Z0-9/_-]+$`);
  }
}
