/**
 * An IAM policy evaluator (IAM User Guide, "Policy evaluation logic"): the sandbox enforces
 * key policies with it, and the portal can check a customer's key policy with it. Rules:
 * an explicit Deny anywhere wins; otherwise something must Allow. KMS adds its own rule
 * (KMS Developer Guide, "Key policies"): the key policy is the primary control, a statement
 * naming the account (`arn:aws:iam::<id>:root` or the bare id) delegates to that account's
 * IAM policies, and a caller from another account needs both the key policy and its own
 * identity policy to allow the action.
 */
import { actionMatches, arnMatches, resourceMatches } from "./match";
import { evaluateConditionBlock } from "./conditions";
import type { AuthzPrincipal, AuthzRequest, PolicyDocument, PolicyStatement, PrincipalBlock } from "./types";
import { statementsOf } from "./types";

/** How a resource-policy principal element matched: naming the caller, or only its account. */
export type PrincipalMatch = "direct" | "account" | "none";

export interface PolicyEvaluation {
  explicitDeny: boolean;
  /** For identity policies: any Allow applied. For resource policies: the strongest principal match of an applying Allow. */
  allow: PrincipalMatch;
  denyingStatement?: string;
}

function asList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Principal entries naming a whole account (`123456789012`, `arn:aws:iam::123456789012:root`), by entry. */
const entryAccounts = new Map<string, string | null>();

/** The account an entry names as a whole, or null when it names something else. */
function accountOfEntry(entry: string): string | null {
  const cached = entryAccounts.get(entry);
  if (cached !== undefined) return cached;
  let account: string | null = null;
  if (/^\d{12}$/.test(entry)) account = entry;
  else account = /^arn:aws[a-z-]*:iam::(\d{12}):root$/.exec(entry)?.[1] ?? null;
  if (entryAccounts.size >= 5000) entryAccounts.clear();
  entryAccounts.set(entry, account);
  return account;
}

function principalEntryMatch(entry: string, type: string, principal: AuthzPrincipal): PrincipalMatch {
  if (type === "Service") {
    return principal.servicePrincipal !== undefined && entry === principal.servicePrincipal ? "direct" : "none";
  }
  if (type !== "AWS") return "none";
  if (entry === "*") return "direct";
  const account = accountOfEntry(entry);
  if (account !== null) return account === principal.accountId ? "account" : "none";
  if (entry === principal.arn) return "direct";
  if (principal.roleArn !== undefined && entry === principal.roleArn) return "direct";
  return "none";
}

export function principalMatch(block: PrincipalBlock, principal: AuthzPrincipal): PrincipalMatch {
  if (block === "*") return "direct";
  let best: PrincipalMatch = "none";
  for (const [type, entries] of Object.entries(block)) {
    for (const entry of asList(entries)) {
      const m = principalEntryMatch(entry, type, principal);
      if (m === "direct") return "direct";
      if (m === "account") best = "account";
    }
  }
  return best;
}

function anyActionMatches(patterns: string | string[] | undefined, action: string): boolean {
  if (patterns === undefined) return false;
  if (!Array.isArray(patterns)) return actionMatches(patterns, action);
  for (const p of patterns) if (actionMatches(p, action)) return true;
  return false;
}

function actionApplies(statement: PolicyStatement, action: string): boolean {
  if (statement.Action !== undefined) return anyActionMatches(statement.Action, action);
  return !anyActionMatches(statement.NotAction, action);
}

function resourceApplies(statement: PolicyStatement, resource: string): boolean {
  if (statement.Resource !== undefined) {
    return asList(statement.Resource).some((p) => (p.startsWith("arn:") ? arnMatches(p, resource) : resourceMatches(p, resource)));
  }
  if (statement.NotResource !== undefined) {
    return !asList(statement.NotResource).some((p) => (p.startsWith("arn:") ? arnMatches(p, resource) : resourceMatches(p, resource)));
  }
  // Key policies may omit Resource in practice; AWS requires it, treat absence as "*".
  return true;
}

function statementPrincipal(statement: PolicyStatement, principal: AuthzPrincipal): PrincipalMatch {
  if (statement.Principal !== undefined) return principalMatch(statement.Principal, principal);
  if (statement.NotPrincipal !== undefined) {
    return principalMatch(statement.NotPrincipal, principal) === "none" ? "direct" : "none";
  }
  return "none";
}

export function evaluatePolicy(doc: PolicyDocument, request: AuthzRequest, kind: "identity" | "resource"): PolicyEvaluation {
  const result: PolicyEvaluation = { explicitDeny: false, allow: "none" };
  for (const statement of statementsOf(doc)) {
    if (!actionApplies(statement, request.action)) continue;
    if (!resourceApplies(statement, request.resource)) continue;
    let match: PrincipalMatch = "direct";
    if (kind === "resource") {
      match = statementPrincipal(statement, request.principal);
      if (match === "none") continue;
    }
    if (!evaluateConditionBlock(statement.Condition, request.context)) continue;
    if (statement.Effect === "Deny") {
      result.explicitDeny = true;
      result.denyingStatement = statement.Sid;
      return result;
    }
    if (match === "direct" || result.allow === "none") result.allow = match;
  }
  return result;
}

export type Decision =
  | { allowed: true; by: "resource" | "identity+resource" | "identity" | "grant" }
  | { allowed: false; reason: "explicit-deny-resource" | "explicit-deny-identity" | "no-resource-allow" | "no-identity-allow" };

export interface KmsDecisionInput {
  request: AuthzRequest;
  identityPolicies: PolicyDocument[];
  keyPolicy: PolicyDocument;
  keyAccountId: string;
  /** A grant for this principal and operation whose constraints hold. */
  grantAllows?: boolean;
}

export function decideKms(input: KmsDecisionInput): Decision {
  const { request, identityPolicies, keyPolicy, keyAccountId } = input;
  const resource = evaluatePolicy(keyPolicy, request, "resource");
  if (resource.explicitDeny) return { allowed: false, reason: "explicit-deny-resource" };
  let identityAllow = false;
  for (const policy of identityPolicies) {
    const ev = evaluatePolicy(policy, request, "identity");
    if (ev.explicitDeny) return { allowed: false, reason: "explicit-deny-identity" };
    if (ev.allow !== "none") identityAllow = true;
  }
  const sameAccount = request.principal.accountId === keyAccountId;
  if (sameAccount && resource.allow === "direct") return { allowed: true, by: "resource" };
  if (resource.allow !== "none" && identityAllow) return { allowed: true, by: "identity+resource" };
  if (input.grantAllows) return { allowed: true, by: "grant" };
  if (resource.allow === "none") return { allowed: false, reason: "no-resource-allow" };
  return { allowed: false, reason: "no-identity-allow" };
}

/** Identity-only decision, for actions without a resource policy (CreateKey, S3 on own buckets…). */
export function decideIdentity(request: AuthzRequest, identityPolicies: PolicyDocument[]): Decision {
  let allow = false;
  for (const policy of identityPolicies) {
    const ev = evaluatePolicy(policy, request, "identity");
    if (ev.explicitDeny) return { allowed: false, reason: "explicit-deny-identity" };
    if (ev.allow !== "none") allow = true;
  }
  return allow ? { allowed: true, by: "identity" } : { allowed: false, reason: "no-identity-allow" };
}

/** AWS's AccessDenied wording: "User: <arn> is not authorized to perform: <action> on resource: <arn> because …". */
export function accessDeniedMessage(request: AuthzRequest, decision: Extract<Decision, { allowed: false }>): string {
  const head = `User: ${request.principal.arn} is not authorized to perform: ${request.action} on resource: ${request.resource}`;
  switch (decision.reason) {
    case "explicit-deny-resource":
      return `${head} with an explicit deny in a resource-based policy`;
    case "explicit-deny-identity":
      return `${head} with an explicit deny in an identity-based policy`;
    case "no-resource-allow":
      return `${head} because no resource-based policy allows the ${request.action} action`;
    case "no-identity-allow":
      return `${head} because no identity-based policy allows the ${request.action} action`;
  }
}
