/**
 * IAM roles and their inline policies, in each sandbox account's own IAM (IAM is global: the
 * signing region is us-east-1 and plays no part). What a customer needs to let the platform in
 * with a role: CreateRole with a trust policy, PutRolePolicy, UpdateAssumeRolePolicy, and the
 * reads and deletes around them. Policy documents go back URL-encoded, as IAM answers them.
 *
 * Access is checked before a role is looked up (a caller without `iam:GetRole` learns nothing
 * about which roles exist), on `arn:aws:iam::<account>:role<path><name>`.
 */
import { randomBytes } from "node:crypto";
import type { AccessCheck } from "../../authorize";
import { ServiceError } from "../../errors";
import { type Input, isRecord, optList, optNumber, optString, reqString } from "../../input";
import { type CallContext, type Output, type Service, type World, invoke, operation } from "../../world";
import { ROLE_INLINE_POLICIES_MAX, policySize, validatePermissionsPolicy, validateTrustPolicy } from "./documents";
import type { IamRole } from "./model";
import { rolesOf } from "./roles";

export interface IamService extends Service {
  /** For CloudFormation: run an IAM operation as the caller. */
  call(operation: string, input: Input, ctx: CallContext): Promise<Output>;
}

/** IAM's input limits (IAM API Reference, "CreateRole", "PutRolePolicy"). */
const NAME = /^[\w+=,.@-]+$/;
const PATH = /^(\/|\/[\u0021-\u007e]+\/)$/;
const DESCRIPTION = /^[\u0009\u000a\u000d\u0020-\u007e\u00a1-\u00ff]*$/;
const MIN_SESSION_SECONDS = 3600;
const MAX_SESSION_SECONDS = 43_200;
const MAX_ROLES_PER_ACCOUNT = 1000;
const MAX_TAGS = 50;

function validation(message: string): ServiceError {
  return new ServiceError("ValidationError", message, 400);
}

function constraint(value: string, member: string, rule: string): ServiceError {
  return validation(`1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: ${rule}`);
}

function noSuchRole(name: string): ServiceError {
  return new ServiceError("NoSuchEntity", `The role with name ${name} cannot be found.`, 404);
}

function readName(input: Input, field: "RoleName" | "PolicyName", max: number): string {
  const value = reqString(input, field, "ValidationError");
  const member = field === "RoleName" ? "roleName" : "policyName";
  if (value.length > max) throw constraint(value, member, `Member must have length less than or equal to ${max}`);
  if (!NAME.test(value)) throw constraint(value, member, "Member must satisfy regular expression pattern: [\\w+=,.@-]+");
  return value;
}

function readDescription(input: Input): string | undefined {
  const description = optString(input, "Description");
  if (description === undefined) return undefined;
  if (description.length > 1000) throw constraint(description, "description", "Member must have length less than or equal to 1000");
  if (!DESCRIPTION.test(description)) throw constraint(description, "description", "Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*");
  return description;
}

function readMaxSessionDuration(input: Input): number | undefined {
  const seconds = optNumber(input, "MaxSessionDuration");
  if (seconds === undefined) return undefined;
  if (!Number.isInteger(seconds) || seconds < MIN_SESSION_SECONDS) throw constraint(String(seconds), "maxSessionDuration", `Member must have value greater than or equal to ${MIN_SESSION_SECONDS}`);
  if (seconds > MAX_SESSION_SECONDS) throw constraint(String(seconds), "maxSessionDuration", `Member must have value less than or equal to ${MAX_SESSION_SECONDS}`);
  return seconds;
}

function readTags(input: Input): Array<{ Key: string; Value: string }> {
  const tags: Array<{ Key: string; Value: string }> = [];
  for (const item of optList(input, "Tags") ?? []) {
    const key = isRecord(item) && typeof item.Key === "string" ? item.Key : "";
    if (!isRecord(item) || key === "") throw validation("Tags must be a list of Key/Value pairs with non-empty keys");
    const value = typeof item.Value === "string" ? item.Value : "";
    if (key.length > 128) throw constraint(key, "tags.member.key", "Member must have length less than or equal to 128");
    if (value.length > 256) throw constraint(value, "tags.member.value", "Member must have length less than or equal to 256");
    if (tags.some((t) => t.Key.toLowerCase() === key.toLowerCase())) throw new ServiceError("InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive.", 400);
    tags.push({ Key: key, Value: value });
  }
  if (tags.length > MAX_TAGS) throw new ServiceError("LimitExceeded", `The number of tags has reached the maximum limit of ${MAX_TAGS}.`, 409);
  return tags;
}

function uniqueId(prefix: string): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  return prefix + Array.from(randomBytes(17), (b) => alphabet[b % alphabet.length]).join("");
}

function describeRole(role: IamRole): Output {
  return {
    Path: role.path,
    RoleName: role.roleName,
    RoleId: role.roleId,
    Arn: role.arn,
    CreateDate: new Date(role.createDate),
    AssumeRolePolicyDocument: encodeURIComponent(role.assumeRolePolicyDocument),
    Description: role.description,
    MaxSessionDuration: role.maxSessionDuration,
    Tags: role.tags.length > 0 ? role.tags : undefined,
  };
}

/** What an operation on one role acts on: the role if it exists, and the ARN access is checked on. */
interface RoleTarget {
  name: string;
  arn: string;
  role: IamRole | undefined;
}

export function createIamService(world: World): IamService {
  function target(input: Input, ctx: CallContext): RoleTarget {
    const name = readName(input, "RoleName", 64);
    const role = rolesOf(world, ctx.principal.accountId)[name.toLowerCase()];
    return { name, role, arn: role?.arn ?? `arn:aws:iam::${ctx.principal.accountId}:role/${name}` };
  }

  function access(action: string): (t: RoleTarget) => AccessCheck[] {
    return (t) => [{ action: `iam:${action}`, resource: t.arn }];
  }

  function existing(t: RoleTarget): IamRole {
    if (!t.role) throw noSuchRole(t.name);
    return t.role;
  }

  /** An operation on one existing role. */
  function onRole(action: string, run: (role: IamRole, input: Input) => Output) {
    return operation({
      resolve: (input, ctx) => target(input, ctx),
      access: access(action),
      run: (t, input) => run(existing(t), input),
    });
  }

  function changed(): Output {
    world.changed();
    return {};
  }

  const service: IamService = {
    name: "iam",
    accessDenied: { code: "AccessDenied", status: 403 },
    call: (name, input, ctx) => invoke(world, service, name, input, ctx),
    operations: {
      CreateRole: operation({
        resolve(input, ctx) {
          const name = readName(input, "RoleName", 64);
          const path = optString(input, "Path") ?? "/";
          if (path.length > 512) throw constraint(path, "path", "Member must have length less than or equal to 512");
          if (!PATH.test(path)) throw constraint(path, "path", "Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)");
          const document = reqString(input, "AssumeRolePolicyDocument", "ValidationError");
          return { name, path, document, arn: `arn:aws:iam::${ctx.principal.accountId}:role${path}${name}` };
        },
        access: ({ arn }) => [{ action: "iam:CreateRole", resource: arn }],
        run({ name, path, document, arn }, input, ctx) {
          const description = readDescription(input);
          const maxSessionDuration = readMaxSessionDuration(input) ?? MIN_SESSION_SECONDS;
          const tags = readTags(input);
          const roles = rolesOf(world, ctx.principal.accountId);
          if (roles[name.toLowerCase()]) throw new ServiceError("EntityAlreadyExists", `Role with name ${name} already exists.`, 409);
          if (Object.keys(roles).length >= MAX_ROLES_PER_ACCOUNT) throw new ServiceError("LimitExceeded", `Cannot exceed quota for RolesPerAccount: ${MAX_ROLES_PER_ACCOUNT}`, 409);
          validateTrustPolicy(world, document);
          const role: IamRole = {
            roleName: name,
            roleId: uniqueId("AROA"),
            arn,
            path,
            accountId: ctx.principal.accountId,
            createDate: world.now().toISOString(),
            maxSessionDuration,
            assumeRolePolicyDocument: document,
            tags,
            inlinePolicies: {},
          };
          if (description !== undefined) role.description = description;
          roles[name.toLowerCase()] = role;
          world.changed();
          return { Role: describeRole(role) };
        },
      }),

      GetRole: onRole("GetRole", (role) => ({ Role: { ...describeRole(role), RoleLastUsed: {} } })),

      UpdateRole: onRole("UpdateRole", (role, input) => {
        const description = readDescription(input);
        const maxSessionDuration = readMaxSessionDuration(input);
        if (description !== undefined) role.description = description;
        if (maxSessionDuration !== undefined) role.maxSessionDuration = maxSessionDuration;
        return changed();
      }),

      DeleteRole: onRole("DeleteRole", (role) => {
        if (Object.keys(role.inlinePolicies).length > 0) throw new ServiceError("DeleteConflict", "Cannot delete entity, must delete policies first.", 409);
        delete rolesOf(world, role.accountId)[role.roleName.toLowerCase()];
        return changed();
      }),

      UpdateAssumeRolePolicy: onRole("UpdateAssumeRolePolicy", (role, input) => {
        const document = reqString(input, "PolicyDocument", "ValidationError");
        validateTrustPolicy(world, document);
        role.assumeRolePolicyDocument = document;
        return changed();
      }),

      PutRolePolicy: onRole("PutRolePolicy", (role, input) => {
        const policyName = readName(input, "PolicyName", 128);
        const document = reqString(input, "PolicyDocument", "ValidationError");
        validatePermissionsPolicy(document);
        // The quota counts every inline policy of the role together (IAM User Guide, "IAM and AWS STS quotas").
        const others = Object.entries(role.inlinePolicies).filter(([n]) => n !== policyName);
        const total = others.reduce((sum, [, text]) => sum + policySize(text), policySize(document));
        if (total > ROLE_INLINE_POLICIES_MAX) throw new ServiceError("LimitExceeded", `Maximum policy size of ${ROLE_INLINE_POLICIES_MAX} bytes exceeded for role ${role.roleName}`, 409);
        role.inlinePolicies[policyName] = document;
        return changed();
      }),

      GetRolePolicy: onRole("GetRolePolicy", (role, input) => {
        const policyName = readName(input, "PolicyName", 128);
        const document = role.inlinePolicies[policyName];
        if (document === undefined) throw new ServiceError("NoSuchEntity", `The role policy with name ${policyName} cannot be found.`, 404);
        return { RoleName: role.roleName, PolicyName: policyName, PolicyDocument: encodeURIComponent(document) };
      }),

      ListRolePolicies: onRole("ListRolePolicies", (role) => ({ PolicyNames: Object.keys(role.inlinePolicies).sort(), IsTruncated: false })),

      DeleteRolePolicy: onRole("DeleteRolePolicy", (role, input) => {
        const policyName = readName(input, "PolicyName", 128);
        if (role.inlinePolicies[policyName] === undefined) throw new ServiceError("NoSuchEntity", `The role policy with name ${policyName} cannot be found.`, 404);
        delete role.inlinePolicies[policyName];
        return changed();
      }),
    },
  };
  return service;
}
