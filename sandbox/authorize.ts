/**
 * The one permission check. Every operation declares what it needs — the IAM action, the
 * resource, and for KMS the key whose policy applies — and the dispatcher decides it here,
 * once, before the operation runs (IAM User Guide, "Policy evaluation logic").
 */
import { accessDeniedMessage, decideIdentity, decideKms, type Decision } from "../lib/iam/evaluator";
import type { AuthzRequest, ContextValue, PolicyDocument } from "../lib/iam/types";
import { ServiceError } from "./errors";
import type { CallContext } from "./world";

export interface AccessCheck {
  /** e.g. `kms:Encrypt`, `s3:PutObject`. */
  action: string;
  /** The resource's ARN, or `*` for actions without one (`kms:CreateKey`, `s3:ListAllMyBuckets`). */
  resource: string;
  /** The service's own condition keys (`kms:EncryptionContext:…`, `kms:KeySpec`…). */
  context?: Record<string, ContextValue>;
  /** A KMS key: its key policy is the primary control, and a grant may allow the call. */
  keyPolicy?: { document: PolicyDocument; accountId: string; grantAllows: boolean };
  /**
   * A resource without a resource policy: only its owner account gets in (S3 buckets, which
   * have no bucket policies in the sandbox).
   */
  ownerAccountId?: string;
  /** The refusal's message when the service words it its own way (STS AssumeRole gives no reason). */
  deniedMessage?: string;
}

/** How a service refuses: KMS `AccessDeniedException` 400, the others `AccessDenied` 403. */
export interface DenialShape {
  code: string;
  status: number;
}

/** Global condition keys every request carries (IAM User Guide, "AWS global condition context keys"). */
export function globalContext(ctx: CallContext, now: Date): Record<string, ContextValue> {
  const p = ctx.principal;
  const context: Record<string, ContextValue> = {
    "aws:PrincipalAccount": p.accountId,
    "aws:PrincipalArn": p.roleArn ?? p.arn,
    "aws:PrincipalType": p.principalType,
    "aws:userid": p.userId,
    "aws:RequestedRegion": ctx.region,
    "aws:SecureTransport": "true",
    "aws:CurrentTime": now.toISOString(),
    "aws:EpochTime": String(Math.floor(now.getTime() / 1000)),
  };
  if (ctx.viaService) context["aws:CalledVia"] = [`${ctx.viaService.split(".")[0]}.amazonaws.com`];
  // A role session's tags, in every call it makes and in the calls services make for it.
  for (const [key, value] of Object.entries(p.sessionTags ?? {})) context[`aws:PrincipalTag/${key}`] = value;
  return context;
}

export function authzRequest(ctx: CallContext, check: Pick<AccessCheck, "action" | "resource" | "context">, now: Date): AuthzRequest {
  return {
    principal: { arn: ctx.principal.arn, accountId: ctx.principal.accountId, roleArn: ctx.principal.roleArn },
    action: check.action,
    resource: check.resource,
    // Object.assign rather than a spread: spreading a dictionary-mode object (computed keys) into
    // a new literal costs ten times more, once per call.
    context: Object.assign(globalContext(ctx, now), check.context),
  };
}

function decide(ctx: CallContext, check: AccessCheck, request: AuthzRequest): Decision {
  if (check.keyPolicy) {
    return decideKms({
      request,
      identityPolicies: ctx.principal.identityPolicies,
      keyPolicy: check.keyPolicy.document,
      keyAccountId: check.keyPolicy.accountId,
      grantAllows: check.keyPolicy.grantAllows,
    });
  }
  const decision = decideIdentity(request, ctx.principal.identityPolicies);
  if (decision.allowed && check.ownerAccountId !== undefined && check.ownerAccountId !== ctx.principal.accountId) {
    return { allowed: false, reason: "no-resource-allow" };
  }
  return decision;
}

/** Decides one check; a refusal is the service's access-denied error in AWS's wording. */
export function authorize(ctx: CallContext, check: AccessCheck, now: Date, denial: DenialShape): void {
  const request = authzRequest(ctx, check, now);
  const decision = decide(ctx, check, request);
  if (!decision.allowed) throw new ServiceError(denial.code, check.deniedMessage ?? accessDeniedMessage(request, decision), denial.status);
}
