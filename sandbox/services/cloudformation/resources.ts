/**
 * Resource providers: what CloudFormation does for each resource type, by calling the
 * service APIs as the stack's caller (CloudFormation forwards the caller's credentials).
 */
import { randomBytes } from "node:crypto";
import { ServiceError } from "../../errors";
import { isRecord } from "../../input";
import type { CallContext } from "../../world";
import type { IamService } from "../iam/handlers";
import type { KmsService } from "../kms/handlers";
import type { LogsService } from "../logs/handlers";
import type { JsonValue } from "./model";

export type Properties = { [key: string]: JsonValue };

export interface ProvisionedResource {
  physicalId: string;
  attributes: Record<string, string>;
}

/** Where a resource is declared: what CloudFormation builds a generated physical name from. */
export interface ResourceOrigin {
  logicalId: string;
  stackName: string;
}

export interface ResourceProvider {
  create(props: Properties, ctx: CallContext, origin: ResourceOrigin): Promise<ProvisionedResource>;
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

/**
 * A name CloudFormation makes up when the template gives none: `<stack>-<logical id>-<random>`,
 * shortened to fit the resource's limit.
 */
function generatedName(origin: ResourceOrigin, maxLength: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  const suffix = Array.from(randomBytes(12), (b) => alphabet[b % alphabet.length]).join("");
  return `${`${origin.stackName}-${origin.logicalId}`.slice(0, maxLength - suffix.length - 1)}-${suffix}`;
}

/** A policy document property: JSON in the template, or already a string. */
function documentText(value: JsonValue | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === "string" ? value : JSON.stringify(value);
}

function inlinePolicies(props: Properties): Map<string, string> {
  const out = new Map<string, string>();
  const list = props.Policies;
  if (!Array.isArray(list)) return out;
  for (const item of list) {
    if (!isRecord(item) || typeof item.PolicyName !== "string") throw new ServiceError("ValidationError", "Properties validation failed: each of Policies needs PolicyName and PolicyDocument", 400);
    const text = documentText(item.PolicyDocument as JsonValue | undefined);
    if (text === undefined) throw new ServiceError("ValidationError", `Properties validation failed: policy ${item.PolicyName} has no PolicyDocument`, 400);
    out.set(item.PolicyName, text);
  }
  return out;
}

function ignoring(codes: string[]): (error: unknown) => void {
  return (error) => {
    if (error instanceof ServiceError && codes.includes(error.code)) return;
    throw error;
  };
}

function iamRoleProvider(iam: IamService): ResourceProvider {
  async function attributes(roleName: string, ctx: CallContext): Promise<ProvisionedResource> {
    const out = await iam.call("GetRole", { RoleName: roleName }, ctx);
    const role = isRecord(out.Role) ? out.Role : {};
    return { physicalId: roleName, attributes: { Arn: String(role.Arn ?? ""), RoleId: String(role.RoleId ?? "") } };
  }

  return {
    replaceOn: ["RoleName", "Path"],
    async create(props, ctx, origin) {
      const roleName = str(props, "RoleName") ?? generatedName(origin, 64);
      const trust = documentText(props.AssumeRolePolicyDocument);
      if (trust === undefined) throw new ServiceError("ValidationError", "Properties validation failed for resource: #: required key [AssumeRolePolicyDocument] not found", 400);
      const input: Record<string, unknown> = { RoleName: roleName, AssumeRolePolicyDocument: trust, Path: str(props, "Path") ?? "/" };
      const description = str(props, "Description");
      if (description !== undefined) input.Description = description;
      if (props.MaxSessionDuration !== undefined) input.MaxSessionDuration = props.MaxSessionDuration;
      if (Array.isArray(props.Tags)) input.Tags = props.Tags;
      await iam.call("CreateRole", input, ctx);
      for (const [policyName, document] of inlinePolicies(props)) {
        await iam.call("PutRolePolicy", { RoleName: roleName, PolicyName: policyName, PolicyDocument: document }, ctx);
      }
      return attributes(roleName, ctx);
    },
    async update(roleName, oldProps, props, ctx) {
      const trust = documentText(props.AssumeRolePolicyDocument);
      if (trust !== undefined && trust !== documentText(oldProps.AssumeRolePolicyDocument)) {
        await iam.call("UpdateAssumeRolePolicy", { RoleName: roleName, PolicyDocument: trust }, ctx);
      }
      if (str(props, "Description") !== str(oldProps, "Description") || props.MaxSessionDuration !== oldProps.MaxSessionDuration) {
        await iam.call("UpdateRole", { RoleName: roleName, Description: str(props, "Description") ?? "", MaxSessionDuration: props.MaxSessionDuration ?? 3600 }, ctx);
      }
      const before = inlinePolicies(oldProps);
      const after = inlinePolicies(props);
      for (const [policyName, document] of after) {
        if (before.get(policyName) !== document) await iam.call("PutRolePolicy", { RoleName: roleName, PolicyName: policyName, PolicyDocument: document }, ctx);
      }
      for (const policyName of before.keys()) {
        if (!after.has(policyName)) await iam.call("DeleteRolePolicy", { RoleName: roleName, PolicyName: policyName }, ctx).catch(ignoring(["NoSuchEntity"]));
      }
      return attributes(roleName, ctx);
    },
    async delete(roleName, _props, ctx) {
      try {
        // Every inline policy goes first, or IAM refuses to delete the role (DeleteConflict).
        const listed = await iam.call("ListRolePolicies", { RoleName: roleName }, ctx);
        const names = Array.isArray(listed.PolicyNames) ? listed.PolicyNames.filter((n): n is string => typeof n === "string") : [];
        for (const policyName of names) await iam.call("DeleteRolePolicy", { RoleName: roleName, PolicyName: policyName }, ctx);
        await iam.call("DeleteRole", { RoleName: roleName }, ctx);
      } catch (error) {
        ignoring(["NoSuchEntity"])(error);
      }
    },
  };
}

/** `AWS::IAM::Policy`: one inline policy put on each of its roles (users and groups are not modelled). */
function iamPolicyProvider(iam: IamService): ResourceProvider {
  function roles(props: Properties): string[] {
    const list = props.Roles;
    return Array.isArray(list) ? list.filter((r): r is string => typeof r === "string") : [];
  }

  function read(props: Properties): { policyName: string; document: string; roles: string[] } {
    const policyName = str(props, "PolicyName");
    const document = documentText(props.PolicyDocument);
    if (!policyName || document === undefined) throw new ServiceError("ValidationError", "Properties validation failed: PolicyName and PolicyDocument are required", 400);
    if (props.Users !== undefined || props.Groups !== undefined) throw new ServiceError("ValidationError", "The sandbox attaches AWS::IAM::Policy to Roles only.", 400);
    const attached = roles(props);
    if (attached.length === 0) throw new ServiceError("ValidationError", "At least one of [Groups,Roles,Users] must be non-empty.", 400);
    return { policyName, document, roles: attached };
  }

  async function detach(policyName: string, roleNames: string[], ctx: CallContext): Promise<void> {
    for (const roleName of roleNames) {
      await iam.call("DeleteRolePolicy", { RoleName: roleName, PolicyName: policyName }, ctx).catch(ignoring(["NoSuchEntity"]));
    }
  }

  return {
    replaceOn: [],
    async create(props, ctx, origin) {
      const { policyName, document, roles: roleNames } = read(props);
      for (const roleName of roleNames) await iam.call("PutRolePolicy", { RoleName: roleName, PolicyName: policyName, PolicyDocument: document }, ctx);
      const physicalId = generatedName({ stackName: origin.stackName.slice(0, 5), logicalId: origin.logicalId.slice(0, 5) }, 30);
      return { physicalId, attributes: { Id: physicalId } };
    },
    async update(physicalId, oldProps, props, ctx) {
      const next = read(props);
      const previous = read(oldProps);
      const kept = previous.policyName === next.policyName ? next.roles : [];
      await detach(previous.policyName, previous.roles.filter((r) => !kept.includes(r)), ctx);
      for (const roleName of next.roles) await iam.call("PutRolePolicy", { RoleName: roleName, PolicyName: next.policyName, PolicyDocument: next.document }, ctx);
      return { physicalId, attributes: { Id: physicalId } };
    },
    async delete(_physicalId, props, ctx) {
      const policyName = str(props, "PolicyName");
      if (policyName) await detach(policyName, roles(props), ctx);
    },
  };
}

function logGroupProvider(logs: LogsService): ResourceProvider {
  function arn(ctx: CallContext, name: string): string {
    return `arn:aws:logs:${ctx.region}:${ctx.principal.accountId}:log-group:${name}:*`;
  }

  async function applyRetention(name: string, days: JsonValue | undefined, previous: JsonValue | undefined, ctx: CallContext): Promise<void> {
    if (days === previous) return;
    if (days === undefined || days === null) await logs.call("DeleteRetentionPolicy", { logGroupName: name }, ctx);
    else await logs.call("PutRetentionPolicy", { logGroupName: name, retentionInDays: days }, ctx);
  }

  return {
    replaceOn: ["LogGroupName", "KmsKeyId"],
    async create(props, ctx, origin) {
      const name = str(props, "LogGroupName") ?? generatedName(origin, 512);
      const tagList = Array.isArray(props.Tags) ? props.Tags : [];
      const tagMap: Record<string, string> = {};
      for (const t of tagList) if (isRecord(t) && typeof t.Key === "string") tagMap[t.Key] = typeof t.Value === "string" ? t.Value : String(t.Value ?? "");
      const input: Record<string, unknown> = { logGroupName: name, tags: tagMap };
      if (props.KmsKeyId !== undefined) input.kmsKeyId = props.KmsKeyId;
      await logs.call("CreateLogGroup", input, ctx);
      await applyRetention(name, props.RetentionInDays, undefined, ctx);
      return { physicalId: name, attributes: { Arn: arn(ctx, name) } };
    },
    async update(name, oldProps, props, ctx) {
      await applyRetention(name, props.RetentionInDays, oldProps.RetentionInDays, ctx);
      return { physicalId: name, attributes: { Arn: arn(ctx, name) } };
    },
    async delete(name, _props, ctx) {
      await logs.call("DeleteLogGroup", { logGroupName: name }, ctx).catch(ignoring(["ResourceNotFoundException"]));
    },
  };
}

export interface ProviderServices {
  kms: KmsService;
  iam: IamService;
  logs: LogsService;
}

export function resourceProviders(services: ProviderServices): Record<string, ResourceProvider> {
  return {
    "AWS::KMS::Key": kmsKeyProvider(services.kms),
    "AWS::KMS::Alias": kmsAliasProvider(services.kms),
    "AWS::IAM::Role": iamRoleProvider(services.iam),
    "AWS::IAM::Policy": iamPolicyProvider(services.iam),
    "AWS::Logs::LogGroup": logGroupProvider(services.logs),
  };
}
