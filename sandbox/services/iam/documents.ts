/**
 * IAM's checks of the policy documents it stores, with its wording (IAM User Guide, "IAM JSON
 * policy element reference" and "IAM and AWS STS quotas"): a trust policy names who may assume
 * the role and nothing else; a permissions policy names actions and resources, never principals.
 */
import { policyDocumentSchema, statementsOf, type PolicyDocument, type PolicyStatement } from "../../../lib/iam/types";
import { ServiceError } from "../../errors";
import type { World } from "../../world";
import { principalExists } from "./roles";

/** Non-whitespace characters: what the size quotas count. */
export function policySize(text: string): number {
  return text.replace(/\s/g, "").length;
}

export const TRUST_POLICY_MAX = 2048;
export const ROLE_INLINE_POLICIES_MAX = 10_240;

export function malformed(message: string): ServiceError {
  return new ServiceError("MalformedPolicyDocument", message, 400);
}

function asList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

const VERSIONS = new Set(["2012-10-17", "2008-10-17"]);
const VENDOR_ACTION = /^[a-zA-Z0-9-]+:[\w*?-]+$/;
/** The actions a trust policy may allow (IAM User Guide, "Role trust policies"). */
const TRUST_ACTION = /^sts:(AssumeRole|AssumeRoleWithSAML|AssumeRoleWithWebIdentity|TagSession|SetSourceIdentity|SetContext|\*)$/i;

function parse(text: string): PolicyDocument {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw malformed("This policy contains invalid Json");
  }
  const parsed = policyDocumentSchema.safeParse(json);
  if (!parsed.success) throw malformed("Syntax errors in policy.");
  if (parsed.data.Version !== undefined && !VERSIONS.has(parsed.data.Version)) throw malformed("The policy must contain a valid version string");
  return parsed.data;
}

function checkActions(statement: PolicyStatement): void {
  for (const action of [...asList(statement.Action), ...asList(statement.NotAction)]) {
    if (action !== "*" && !VENDOR_ACTION.test(action)) throw malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
  }
}

function checkTrustPrincipal(world: World, statement: PolicyStatement): void {
  const block = statement.Principal ?? statement.NotPrincipal;
  if (block === undefined) throw malformed("Missing required field Principal");
  if (block === "*") return;
  for (const [type, entries] of Object.entries(block)) {
    for (const entry of asList(entries)) {
      const invalid = malformed(`Invalid principal in policy: "${type}":"${entry}"`);
      if (type === "Service") {
        if (!/^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/.test(entry)) throw invalid;
        continue;
      }
      if (type === "Federated") continue;
      if (type !== "AWS") throw invalid;
      if (entry === "*" || /^\d{12}$/.test(entry) || /^arn:aws:iam::\d{12}:root$/.test(entry)) continue;
      if (/^arn:aws:sts::\d{12}:assumed-role\/[\w+=,.@-]+\/[\w+=,.@-]+$/.test(entry)) continue;
      if (/^arn:aws:iam::\d{12}:(role|user)\//.test(entry) && principalExists(world, entry)) continue;
      throw invalid;
    }
  }
}

/** A role's trust policy (CreateRole, UpdateAssumeRolePolicy). */
export function validateTrustPolicy(world: World, text: string): PolicyDocument {
  // The size quota is checked first: IAM refuses an oversized document before reading it.
  if (policySize(text) > TRUST_POLICY_MAX) {
    throw new ServiceError("LimitExceeded", `Cannot exceed quota for ACLSizePerRole: ${TRUST_POLICY_MAX}`, 409);
  }
  const doc = parse(text);
  for (const statement of statementsOf(doc)) {
    if (statement.Resource !== undefined || statement.NotResource !== undefined) throw malformed("Has prohibited field Resource");
    checkActions(statement);
    if (![...asList(statement.Action), ...asList(statement.NotAction)].every((a) => a === "*" || TRUST_ACTION.test(a))) {
      throw malformed("AssumeRole policy may only specify STS AssumeRole actions.");
    }
    checkTrustPrincipal(world, statement);
  }
  return doc;
}

/** A permissions policy (PutRolePolicy). */
export function validatePermissionsPolicy(text: string): PolicyDocument {
  const doc = parse(text);
  for (const statement of statementsOf(doc)) {
    if (statement.Principal !== undefined || statement.NotPrincipal !== undefined) throw malformed("Policy document should not specify a principal.");
    if (statement.Resource === undefined && statement.NotResource === undefined) throw malformed("Policy statement must contain resources.");
    checkActions(statement);
  }
  return doc;
}
