/**
 * What KMS operations ask the dispatcher to allow: the key policy of the key they use (with
 * KMS's condition keys and the caller's grants), or, without a key, the caller's identity
 * policies alone. Also the key-policy lockout safety check, which evaluates a new policy.
 */
import { decideKms } from "../../../lib/iam/evaluator";
import type { ContextValue, PolicyDocument } from "../../../lib/iam/types";
import { type AccessCheck, authzRequest } from "../../authorize";
import { ServiceError } from "../../errors";
import type { Input } from "../../input";
import { type CallContext, type Operation, type Output, type World, operation } from "../../world";
import type { GrantConstraints, KmsKey } from "./model";
import { namedKey, parsePolicy, regionState } from "./lookup";

/** Operations a grant can allow (KMS Developer Guide, "Grant operations"). */
export const GRANT_OPERATIONS = new Set([
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

/** KMS condition keys of the call itself (KMS Developer Guide, "Condition keys for AWS KMS"). */
function callContext(ctx: CallContext): Record<string, ContextValue> {
  const context: Record<string, ContextValue> = { "kms:CallerAccount": ctx.principal.accountId };
  if (ctx.viaService) context["kms:ViaService"] = ctx.viaService;
  return context;
}

function keyContext(world: World, key: KmsKey): Record<string, ContextValue> {
  const context: Record<string, ContextValue> = {
    "kms:KeyOrigin": key.origin,
    "kms:KeySpec": key.keySpec,
    "kms:KeyUsage": key.keyUsage,
    "kms:MultiRegion": String(key.multiRegion),
  };
  const aliases = Object.values(regionState(world, key.accountId, key.region).aliases)
    .filter((a) => a.targetKeyId === key.keyId)
    .map((a) => a.aliasName);
  if (aliases.length > 0) context["kms:ResourceAliases"] = aliases;
  for (const tag of key.tags) context[`aws:ResourceTag/${tag.TagKey}`] = tag.TagValue;
  return context;
}

function encryptionContextKeys(encryptionContext: Record<string, string> | undefined): Record<string, ContextValue> {
  const out: Record<string, ContextValue> = {};
  if (!encryptionContext) return out;
  for (const [k, v] of Object.entries(encryptionContext)) out[`kms:EncryptionContext:${k}`] = v;
  out["kms:EncryptionContextKeys"] = Object.keys(encryptionContext);
  return out;
}

function constraintsHold(constraints: GrantConstraints | undefined, context: Record<string, string> | undefined): boolean {
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

function grantAllows(ctx: CallContext, key: KmsKey, operation: string, encryptionContext: Record<string, string> | undefined): boolean {
  if (!GRANT_OPERATIONS.has(operation)) return false;
  const p = ctx.principal;
  return key.grants.some(
    (g) => (g.granteePrincipal === p.arn || g.granteePrincipal === p.roleArn) && g.operations.includes(operation) && constraintsHold(g.constraints, encryptionContext),
  );
}

/** `kms:GrantIsForAWSResource` is set only when an AWS service manages grants for the caller. */
export function grantForAwsResource(ctx: CallContext): Record<string, ContextValue> {
  return ctx.viaService ? { "kms:GrantIsForAWSResource": "true" } : {};
}

/**
 * Key policies parsed once per version rather than per call: a key's policy text only changes
 * through CreateKey or PutKeyPolicy, and a new text is a new entry. The evaluator never changes
 * a document, so every call of a version shares one. Bounded, oldest out first.
 */
const parsedPolicies = new Map<string, PolicyDocument>();
const PARSED_POLICIES_KEPT = 1_000;

export function keyPolicyDocument(text: string): PolicyDocument {
  const cached = parsedPolicies.get(text);
  if (cached !== undefined) return cached;
  const document = parsePolicy(text);
  if (parsedPolicies.size >= PARSED_POLICIES_KEPT) {
    const oldest = parsedPolicies.keys().next();
    if (!oldest.done) parsedPolicies.delete(oldest.value);
  }
  parsedPolicies.set(text, document);
  return document;
}

/** Use of a key: its key policy, the caller's identity policies and its grants decide. */
export function keyAccess(
  world: World,
  ctx: CallContext,
  key: KmsKey,
  operation: string,
  options: { encryptionContext?: Record<string, string>; extra?: Record<string, ContextValue> } = {},
): AccessCheck {
  return {
    action: `kms:${operation}`,
    resource: key.arn,
    context: Object.assign(callContext(ctx), encryptionContextKeys(options.encryptionContext), options.extra, keyContext(world, key)),
    keyPolicy: { document: keyPolicyDocument(key.policy), accountId: key.accountId, grantAllows: grantAllows(ctx, key, operation, options.encryptionContext) },
  };
}

/** An operation on no particular key (CreateKey, ListKeys, ListAliases): identity policies decide. */
export function identityAccess(ctx: CallContext, operation: string): AccessCheck {
  return { action: `kms:${operation}`, resource: "*", context: callContext(ctx) };
}

/**
 * The key-policy lockout safety check (KMS Developer Guide, "Default key policy"): a new policy
 * must still let the caller change it, unless the caller bypasses the check.
 */
export function lockoutCheck(world: World, ctx: CallContext, policyText: string, resource: string, accountId: string, bypass: boolean): void {
  const policy = parsePolicy(policyText);
  if (bypass) return;
  const request = authzRequest(ctx, { action: "kms:PutKeyPolicy", resource, context: callContext(ctx) }, world.now());
  const decision = decideKms({ request, identityPolicies: ctx.principal.identityPolicies, keyPolicy: policy, keyAccountId: accountId });
  if (!decision.allowed) {
    throw new ServiceError("MalformedPolicyDocumentException", "The new key policy will not allow you to update the key policy in the future.", 400);
  }
}

/** The common shape: the call names one key by `KeyId` and needs `kms:<operation>` on it. */
export function keyOperation(
  world: World,
  name: string,
  run: (key: KmsKey, input: Input, ctx: CallContext) => Output,
  options: { allowAlias?: boolean } = {},
): Operation {
  return operation({
    resolve: (input, ctx, audit) => namedKey(world, input, ctx, audit, name, options),
    access: (key, ctx) => [keyAccess(world, ctx, key, name)],
    run: (key, input, ctx) => run(key, input, ctx),
  });
}

/** A management call that changes one key of the caller's account (named by id or ARN, not alias) and answers `{}`. */
export function keyUpdate(world: World, name: string, update: (key: KmsKey, input: Input, ctx: CallContext) => void): Operation {
  return keyOperation(
    world,
    name,
    (key, input, ctx) => {
      update(key, input, ctx);
      world.changed();
      return {};
    },
    { allowAlias: false },
  );
}
