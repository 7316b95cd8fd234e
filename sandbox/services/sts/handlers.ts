/**
 * STS: GetCallerIdentity, and AssumeRole with session tags. A session's temporary access key id
 * maps back to the session (its role, name and tags) for every later call; its tags are in the
 * request context of everything it does (`aws:PrincipalTag/<key>`), including the KMS calls S3
 * and RDS make on its behalf (IAM User Guide, "Passing session tags in AWS STS").
 *
 * The roles are the platform's own (sandbox/identities.ts) and those customers create with IAM
 * (sandbox/services/iam). The role's trust policy decides like a resource policy, with the
 * request's `sts:ExternalId`, `sts:RoleSessionName` and tag keys in its context; a caller from
 * another account also needs its own identity policy to allow the call (IAM User Guide,
 * "Cross-account policy evaluation logic").
 */
import { randomBytes } from "node:crypto";
import type { ContextValue } from "../../../lib/iam/types";
import type { AccessCheck } from "../../authorize";
import { ServiceError } from "../../errors";
import { type Principal, type Role, rolePrincipal } from "../../identities";
import { type Input, isRecord, optList, optNumber, optString, optStringList, reqString } from "../../input";
import { type CallContext, type Service, type World, operation } from "../../world";
import { findRole } from "../iam/roles";
import type { RoleSession } from "./model";

/** AssumeRole's limits (STS API Reference, "AssumeRole"). */
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;
const MAX_SESSION_TAGS = 50;
const MIN_DURATION_SECONDS = 900;
/** "Role chaining limits your … session to a maximum of one hour" (IAM User Guide, "Roles terms and concepts"). */
const CHAINED_MAX_DURATION_SECONDS = 3600;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

function invalidParameter(message: string): ServiceError {
  return new ServiceError("InvalidParameterValue", message, 400);
}

function validation(message: string): ServiceError {
  return new ServiceError("ValidationError", message, 400);
}

function readTags(input: Input): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const item of optList(input, "Tags") ?? []) {
    if (!isRecord(item)) throw validation("Tags must be a list of Key/Value pairs");
    const key = optString(item, "Key") ?? "";
    const value = optString(item, "Value") ?? "";
    if (!TAG_KEY.test(key)) throw validation(`1 validation error detected: Value '${key}' at 'tags.member.key' failed to satisfy constraint`);
    if (!TAG_VALUE.test(value)) throw validation(`1 validation error detected: Value '${value}' at 'tags.member.value' failed to satisfy constraint`);
    if (Object.keys(tags).some((k) => k.toLowerCase() === key.toLowerCase())) throw invalidParameter(`Duplicate tag keys found: ${key}`);
    tags[key] = value;
  }
  if (Object.keys(tags).length > MAX_SESSION_TAGS) throw validation(`The number of session tags cannot exceed ${MAX_SESSION_TAGS}.`);
  return tags;
}

interface AssumeRoleRequest {
  roleArn: string;
  role: Role | undefined;
  sessionName: string;
  externalId: string | undefined;
  durationSeconds: number;
  /** The new session's tags: the caller's transitive tags, then the ones in the request. */
  tags: Record<string, string>;
  requestTags: Record<string, string>;
  transitiveTagKeys: string[];
}

function readAssumeRole(world: World, input: Input, ctx: CallContext): AssumeRoleRequest {
  const roleArn = reqString(input, "RoleArn", "ValidationError");
  const sessionName = reqString(input, "RoleSessionName", "ValidationError");
  if (!SESSION_NAME.test(sessionName)) throw validation(`1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`);
  const externalId = optString(input, "ExternalId");
  if (externalId !== undefined && !EXTERNAL_ID.test(externalId)) {
    throw validation(`1 validation error detected: Value '${externalId}' at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]* and have length between 2 and 1224`);
  }
  const role = findRole(world, roleArn);
  const durationSeconds = optNumber(input, "DurationSeconds") ?? 3600;
  const maxDuration = role?.maxSessionDurationSeconds ?? 3600;
  if (!Number.isInteger(durationSeconds) || durationSeconds < MIN_DURATION_SECONDS || durationSeconds > maxDuration) {
    throw validation(`The requested DurationSeconds exceeds the MaxSessionDuration set for this role, or is less than ${MIN_DURATION_SECONDS}.`);
  }
  if (ctx.principal.principalType === "AssumedRole" && durationSeconds > CHAINED_MAX_DURATION_SECONDS) {
    throw validation("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.");
  }
  const requestTags = readTags(input);
  const transitiveTagKeys = optStringList(input, "TransitiveTagKeys") ?? [];
  for (const key of transitiveTagKeys) {
    if (!Object.keys(requestTags).some((k) => k.toLowerCase() === key.toLowerCase())) {
      throw invalidParameter(`The transitive tag key ${key} is not one of the session tags.`);
    }
  }
  // Role chaining: the caller's transitive tags pass on and cannot be overridden.
  const inherited: Record<string, string> = {};
  for (const key of ctx.principal.transitiveTagKeys ?? []) {
    const value = ctx.principal.sessionTags?.[key];
    if (value === undefined) continue;
    if (Object.keys(requestTags).some((k) => k.toLowerCase() === key.toLowerCase())) {
      throw invalidParameter(`One or more tags cannot be overridden because they are transitive tags from the calling session: ${key}`);
    }
    inherited[key] = value;
  }
  return {
    roleArn,
    role,
    sessionName,
    externalId,
    durationSeconds,
    tags: { ...inherited, ...requestTags },
    requestTags,
    transitiveTagKeys: [...new Set([...Object.keys(inherited), ...transitiveTagKeys])],
  };
}

/** The condition keys of an AssumeRole request (IAM User Guide, "AWS STS condition keys"). */
function assumeRoleContext(request: AssumeRoleRequest): Record<string, ContextValue> {
  const context: Record<string, ContextValue> = { "sts:RoleSessionName": request.sessionName };
  if (request.externalId !== undefined) context["sts:ExternalId"] = request.externalId;
  const keys = Object.keys(request.requestTags);
  for (const [key, value] of Object.entries(request.requestTags)) context[`aws:RequestTag/${key}`] = value;
  if (keys.length > 0) context["aws:TagKeys"] = keys;
  if (request.transitiveTagKeys.length > 0) context["sts:TransitiveTagKeys"] = request.transitiveTagKeys;
  return context;
}

/**
 * The role's trust policy is its resource policy: in the role's account, a statement naming the
 * caller (or its role, for a session) is enough; one naming only the caller's account, or a
 * caller from another account, also needs the caller's identity policy to allow the action
 * (IAM User Guide, "Policy evaluation logic"). A role that does not exist denies like one whose
 * trust policy names someone else, and STS words every refusal the same way, without a reason.
 */
function roleChecks(ctx: CallContext, request: AssumeRoleRequest, actions: string[]): AccessCheck[] {
  const trust = request.role?.trustPolicy ?? { Version: "2012-10-17", Statement: [] };
  const accountId = request.role?.accountId ?? /^arn:aws[a-z-]*:iam::(\d{12}):/.exec(request.roleArn)?.[1] ?? "";
  const context = assumeRoleContext(request);
  return actions.map((action) => ({
    action,
    resource: request.roleArn,
    context,
    keyPolicy: { document: trust, accountId, grantAllows: false },
    deniedMessage: `User: ${ctx.principal.arn} is not authorized to perform: ${action} on resource: ${request.roleArn}`,
  }));
}

function temporaryId(prefix: string, length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const bytes = randomBytes(length);
  return prefix + Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

/** A session's principal, or why its credentials are refused; undefined when the key is not a session's. */
export function sessionPrincipal(world: World, accessKeyId: string): { principal: Principal } | { expired: true } | undefined {
  const session = world.state.sts.sessions[accessKeyId];
  if (!session) return undefined;
  if (Date.parse(session.expiration) <= world.now().getTime()) return { expired: true };
  // A session of a role since deleted (or deleted and created again) is no longer anyone's.
  const role = findRole(world, session.roleArn);
  if (!role || (session.roleId !== undefined && session.roleId !== role.roleId)) return undefined;
  return { principal: rolePrincipal(role, session) };
}

/** Sessions past their expiry are dropped whenever a new one is made, so the state stays small. */
function dropExpired(world: World): void {
  const now = world.now().getTime();
  for (const [id, session] of Object.entries(world.state.sts.sessions)) {
    if (Date.parse(session.expiration) <= now) delete world.state.sts.sessions[id];
  }
}

export function createStsService(world: World): Service {
  return {
    name: "sts",
    accessDenied: { code: "AccessDenied", status: 403 },
    operations: {
      // GetCallerIdentity needs no permission: "No permissions are required to perform this operation" (STS API Reference).
      GetCallerIdentity: operation({
        resolve: () => undefined,
        access: () => [],
        run: (_none, _input, ctx) => ({ UserId: ctx.principal.userId, Account: ctx.principal.accountId, Arn: ctx.principal.arn }),
      }),

      AssumeRole: operation({
        resolve: (input, ctx) => readAssumeRole(world, input, ctx),
        // Tags inherited as transitive from the calling session count as passed (role chaining).
        access: (request, ctx) => roleChecks(ctx, request, Object.keys(request.tags).length > 0 ? ["sts:AssumeRole", "sts:TagSession"] : ["sts:AssumeRole"]),
        run(request) {
          const role = request.role;
          // roleChecks denies a role that does not exist, so this is unreachable.
          if (!role) throw new ServiceError("AccessDenied", `Not authorized to perform sts:AssumeRole on ${request.roleArn}`, 403);
          dropExpired(world);
          const expiration = new Date(world.now().getTime() + request.durationSeconds * 1000);
          const session: RoleSession = {
            accessKeyId: temporaryId("ASIA", 16),
            roleArn: role.arn,
            roleId: role.roleId,
            sessionName: request.sessionName,
            tags: request.tags,
            transitiveTagKeys: request.transitiveTagKeys,
            expiration: expiration.toISOString(),
          };
          world.state.sts.sessions[session.accessKeyId] = session;
          world.changed();
          const principal = rolePrincipal(role, session);
          return {
            Credentials: {
              AccessKeyId: session.accessKeyId,
              SecretAccessKey: session.accessKeyId,
              SessionToken: temporaryId("FQoGZXIvYXdzE", 64),
              Expiration: expiration,
            },
            AssumedRoleUser: { AssumedRoleId: principal.userId, Arn: principal.arn },
            PackedPolicySize: Object.keys(request.tags).length,
          };
        },
      }),
    },
  };
}
