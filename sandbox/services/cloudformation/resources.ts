/**
 * Resource providers: what CloudFormation does for each resource type, by calling the
 * service APIs as the stack's caller (CloudFormation forwards the caller's credentials).
 */
import { ServiceError } from "../../errors";
import { isRecord } from "../../input";
import type { CallContext } from "../../world";
import type { KmsService } from "../kms/handlers";
import type { JsonValue } from "./model";

export type Properties = { [key: string]: JsonValue };

export interface ProvisionedResource {
  physicalId: string;
  attributes: Record<string, string>;
}

export interface ResourceProvider {
  create(props: Properties, ctx: CallContext, logicalId: string): Promise<ProvisionedResource>;
  /** Properties whose change forces a new resource (AWS resource reference, "Update requires: Replacement"). */
  replaceOn: string[];
  update(physicalId: string, oldProps: Properties, newProps: Properties, ctx: CallContext): Promise<ProvisionedResource>;
  delete(physicalId: string, props: Properties, ctx: CallContext): Promise<void>;
}

function str(props: Properties, name: string): string | undefined {
  const v = props[name];
  if (v === undefined || v === null) return undefined;
  return typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : undefined;
}

function bool(props: Properties, name: string): boolean | undefined {
  const v = props[name];
  if (v === undefined || v === null) return undefined;
  return v === true || v === "true";
}

function tags(props: Properties): Array<{ TagKey: string; TagValue: string }> {
  const list = props.Tags;
  if (!Array.isArray(list)) return [];
  return list.flatMap((t) => (isRecord(t) && typeof t.Key === "string" ? [{ TagKey: t.Key, TagValue: typeof t.Value === "string" ? t.Value : String(t.Value ?? "") }] : []));
}

function policyText(props: Properties): string | undefined {
  const p = props.KeyPolicy;
  if (p === undefined || p === null) return undefined;
  return typeof p === "string" ? p : JSON.stringify(p);
}

function kmsKeyProvider(kms: KmsService): ResourceProvider {
  async function applyMutable(keyId: string, oldProps: Properties | undefined, props: Properties, ctx: CallContext): Promise<void> {
    const enabled = bool(props, "Enabled") ?? true;
    const wasEnabled = oldProps === undefined ? true : bool(oldProps, "Enabled") ?? true;
    if (enabled !== wasEnabled) await kms.call(enabled ? "EnableKey" : "DisableKey", { KeyId: keyId }, ctx);
    const rotation = bool(props, "EnableKeyRotation") ?? false;
    const hadRotation = oldProps === undefined ? false : bool(oldProps, "EnableKeyRotation") ?? false;
    const period = props.RotationPeriodInDays;
    const oldPeriod = oldProps?.RotationPeriodInDays;
    if (rotation && (!hadRotation || period !== oldPeriod)) {
      await kms.call("EnableKeyRotation", period === undefined ? { KeyId: keyId } : { KeyId: keyId, RotationPeriodInDays: period }, ctx);
    } else if (!rotation && hadRotation) {
      await kms.call("DisableKeyRotation", { KeyId: keyId }, ctx);
    }
  }

  return {
    replaceOn: ["KeySpec", "KeyUsage", "MultiRegion", "Origin"],
    async create(props, ctx) {
      const input: Record<string, unknown> = {
        Description: str(props, "Description") ?? "",
        KeySpec: str(props, "KeySpec") ?? "SYMMETRIC_DEFAULT",
        KeyUsage: str(props, "KeyUsage") ?? "ENCRYPT_DECRYPT",
        MultiRegion: bool(props, "MultiRegion") ?? false,
        Tags: tags(props),
        BypassPolicyLockoutSafetyCheck: bool(props, "BypassPolicyLockoutSafetyCheck") ?? false,
      };
      const policy = policyText(props);
      if (policy !== undefined) input.Policy = policy;
      const out = await kms.call("CreateKey", input, ctx);
      const meta = out.KeyMetadata;
      if (!isRecord(meta) || typeof meta.KeyId !== "string" || typeof meta.Arn !== "string") throw new ServiceError("InternalFailure", "CreateKey returned no key", 500);
      await applyMutable(meta.KeyId, undefined, props, ctx);
      return { physicalId: meta.KeyId, attributes: { Arn: meta.Arn, KeyId: meta.KeyId } };
    },
    async update(keyId, oldProps, props, ctx) {
      const policy = policyText(props);
      if (policy !== undefined && policy !== policyText(oldProps)) {
        await kms.call("PutKeyPolicy", { KeyId: keyId, Policy: policy, BypassPolicyLockoutSafetyCheck: bool(props, "BypassPolicyLockoutSafetyCheck") ?? false }, ctx);
      }
      if ((str(props, "Description") ?? "") !== (str(oldProps, "Description") ?? "")) {
        await kms.call("UpdateKeyDescription", { KeyId: keyId, Description: str(props, "Description") ?? "" }, ctx);
      }
      await applyMutable(keyId, oldProps, props, ctx);
      const newTags = tags(props);
      const removed = tags(oldProps)
        .map((t) => t.TagKey)
        .filter((k) => !newTags.some((t) => t.TagKey === k));
      if (removed.length > 0) await kms.call("UntagResource", { KeyId: keyId, TagKeys: removed }, ctx);
      if (newTags.length > 0) await kms.call("TagResource", { KeyId: keyId, Tags: newTags }, ctx);
      const out = await kms.call("DescribeKey", { KeyId: keyId }, ctx);
      const meta = isRecord(out.KeyMetadata) ? out.KeyMetadata : {};
      return { physicalId: keyId, attributes: { Arn: String(meta.Arn ?? ""), KeyId: keyId } };
    },
    async delete(keyId, props, ctx) {
      const days = props.PendingWindowInDays;
      try {
        await kms.call("ScheduleKeyDeletion", days === undefined ? { KeyId: keyId } : { KeyId: keyId, PendingWindowInDays: days }, ctx);
      } catch (error) {
        // Already gone or already pending deletion: nothing left to delete.
        if (error instanceof ServiceError && (error.code === "NotFoundException" || error.code === "KMSInvalidStateException")) return;
        throw error;
      }
    },
  };
}

function kmsAliasProvider(kms: KmsService): ResourceProvider {
  return {
    replaceOn: ["AliasName"],
    async create(props, ctx) {
      const aliasName = str(props, "AliasName");
      const target = str(props, "TargetKeyId");
      if (!aliasName || !target) throw new ServiceError("InvalidRequest", "Properties validation failed: AliasName and TargetKeyId are required", 400);
      await kms.call("CreateAlias", { AliasName: aliasName, TargetKeyId: target }, ctx);
      return { physicalId: aliasName, attributes: {} };
    },
    async update(aliasName, _oldProps, props, ctx) {
      await kms.call("UpdateAlias", { AliasName: aliasName, TargetKeyId: str(props, "TargetKeyId") ?? "" }, ctx);
      return { physicalId: aliasName, attributes: {} };
    },
    async delete(aliasName, _props, ctx) {
      try {
        await kms.call("DeleteAlias", { AliasName: aliasName }, ctx);
      } catch (error) {
        if (error instanceof ServiceError && error.code === "NotFoundException") return;
        throw error;
      }
    },
  };
}

export function resourceProviders(kms: KmsService): Record<string, ResourceProvider> {
  return { "AWS::KMS::Key": kmsKeyProvider(kms), "AWS::KMS::Alias": kmsAliasProvider(kms) };
}
