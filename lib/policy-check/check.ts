import { z } from "zod";
import { rdsKeyStatements, s3KeyStatements, STATEMENT_IDS, type KeyKind } from "@/lib/byok/policies";
import { parseKeyArn } from "@/lib/byok/arns";
import {
  actionMatches,
  arnMatches,
  decideKms,
  evaluateCondition,
  evaluatePolicy,
  lookupContext,
  policyDocumentSchema,
  principalMatch,
  resourceMatches,
  statementsOf,
  type AuthzRequest,
  type ConditionValue,
  type PolicyDocument,
  type PolicyStatement,
} from "@/lib/iam";
import { MAX_KEY_POLICY_BYTES } from "./limits";
import { platformRequests, type PlatformRequest, type PolicyCheckEnvironment } from "./requests";

/**
 * The policy check (F3): a customer's key policy, evaluated against the exact requests the
 * platform makes for this environment (./requests.ts) with the same evaluator the sandbox
 * enforces (lib/iam). For every refused request it names the statement that came closest and,
 * in words, each part of it that does not hold; it lists explicit denies, the lockout risk AWS
 * itself checks, and grants broader than the platform needs; and it writes a corrected policy
 * that keeps the customer's own statements and adds (or replaces) the platform's.
 */

export { MAX_KEY_POLICY_BYTES };

export interface StatementDiagnosis {
  /** The statement's Sid, or "statement N" (1-based) when it has none. */
  name: string;
  /** Each part that keeps it from allowing the request, in words. */
  problems: string[];
}

export interface RequestVerdict {
  id: string;
  description: string;
  action: string;
  viaService: "s3" | "rds" | null;
  allowed: boolean;
  /** The Deny statement that refuses it, if one does. */
  deniedBy?: string;
  /** For a refused request without an explicit deny: the Allow statement closest to allowing it. */
  closest?: StatementDiagnosis;
}

export interface PolicyCheckResult {
  kind: KeyKind;
  requests: RequestVerdict[];
  allAllowed: boolean;
  explicitDenies: Array<{ name: string; blocks: string[] }>;
  /** AWS refuses a policy that would leave nobody in the key's account able to change it. */
  lockout: { risk: boolean; words: string };
  /** Statements that give the platform more than it needs. */
  broader: Array<{ name: string; words: string }>;
  corrected: PolicyDocument;
  /** What the corrected policy changes, in words. */
  changes: string[];
}

export type PolicyCheckOutcome = { ok: true; result: PolicyCheckResult } | { ok: false; error: string };

export interface PolicyCheckInput {
  kind: KeyKind;
  /** The pasted text: the policy itself, or get-key-policy's whole JSON answer. */
  policyText: string;
  environment: PolicyCheckEnvironment;
}

/** get-key-policy without `--query Policy` answers `{ "Policy": "<json text>", "PolicyName": "default" }`. */
const getKeyPolicyAnswer = z.object({ Policy: z.string(), PolicyName: z.string().optional() });

function parsePolicy(text: string): { ok: true; document: PolicyDocument } | { ok: false; error: string } {
  if (text.trim() === "") return { ok: false, error: "Paste the key policy JSON first (the output of the get-key-policy command above)." };
  if (Buffer.byteLength(text, "utf8") > MAX_KEY_POLICY_BYTES) {
    return { ok: false, error: `This is ${Math.ceil(Buffer.byteLength(text, "utf8") / 1024)} KB; a key policy can be at most 32 KB, so this cannot be the key's policy.` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `This is not valid JSON (${error instanceof Error ? error.message : "it could not be read"}). Paste exactly what the get-key-policy command printed.` };
  }
  const wrapped = getKeyPolicyAnswer.safeParse(raw);
  if (wrapped.success) return parsePolicy(wrapped.data.Policy);
  if (typeof raw !== "object" || raw === null || Array.isArray(raw) || !("Statement" in raw)) {
    return { ok: false, error: "This JSON is not a key policy: it has no Statement list. Paste the output of the get-key-policy command shown above." };
  }
  const parsed = policyDocumentSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` (at ${issue.path.join(".")})` : "";
    return { ok: false, error: `This key policy is malformed${where}: ${issue?.message ?? "it does not have the shape of a policy"}.` };
  }
  return { ok: true, document: parsed.data };
}

const asList = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const asStrings = (value: ConditionValue): string[] => (Array.isArray(value) ? value : [value]).map(String);
const nameOf = (statement: PolicyStatement, index: number) => statement.Sid ?? `statement ${index + 1}`;

/** The platform's own IAM policy lets its role use KMS; the key policy decides. */
const PLATFORM_IDENTITY: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:*", Resource: "*" }] };

function keyAccountOf(environment: PolicyCheckEnvironment): string | undefined {
  return environment.keyArn ? parseKeyArn(environment.keyArn)?.accountId : undefined;
}

function allowedBy(document: PolicyDocument, request: AuthzRequest, keyAccountId: string): boolean {
  return decideKms({ request, identityPolicies: [PLATFORM_IDENTITY], keyPolicy: document, keyAccountId }).allowed;
}

/** In the customer's words: why one condition of a statement does not hold for the request. */
function conditionWords(operator: string, key: string, expected: string[], request: AuthzRequest): string {
  const actualValue = lookupContext(request.context, key);
  const actual = actualValue === undefined ? undefined : asList(actualValue).join(", ");
  const wanted = expected.join(" or ");
  if (/not/i.test(operator.replace(/^For(Any|All)Values?:/i, ""))) {
    return `${operator} makes ${key} anything but ${wanted}; the platform's request has ${actual ?? "no value for it"}`;
  }
  switch (key.toLowerCase()) {
    case "kms:viaservice":
      return actual
        ? `kms:ViaService is ${wanted}; this environment needs ${actual}`
        : `kms:ViaService is ${wanted}, but here the platform calls KMS directly, not through a service`;
    case "aws:principalaccount":
    case "kms:calleraccount":
      return `${key} is ${wanted}; the platform's account is ${actual ?? "not that"}`;
    case "aws:principaltag/byok-environment":
      return `the statement is for the environment ${wanted}; this environment is ${actual ?? "not tagged"}`;
    case "kms:encryptioncontext:aws:s3:arn":
      return `the statement allows the buckets ${wanted}; this environment's bucket is ${actual ?? "not named"}`;
    case "kms:grantisforawsresource":
      return `kms:GrantIsForAWSResource must be ${wanted}; RDS makes its grant for an AWS resource, so it is ${actual ?? "true"}`;
    case "aws:principalarn":
      return `aws:PrincipalArn is ${wanted}; the platform's role is ${actual ?? "another"}`;
    default:
      return `${operator} ${key} ${wanted}; the platform's request has ${actual ?? "no value for it"}`;
  }
}

/** Every part of an Allow statement that keeps it from allowing the request. */
function diagnose(statement: PolicyStatement, index: number, request: AuthzRequest): StatementDiagnosis {
  const problems: string[] = [];
  const principal =
    statement.Principal !== undefined
      ? principalMatch(statement.Principal, request.principal)
      : statement.NotPrincipal !== undefined && principalMatch(statement.NotPrincipal, request.principal) === "none"
        ? "direct"
        : "none";
  if (principal === "none") {
    const named = statement.Principal === undefined ? "no principal" : JSON.stringify(statement.Principal);
    problems.push(`its principal is ${named}, not the platform role ${request.principal.roleArn ?? request.principal.arn}`);
  }
  const actions = statement.Action !== undefined ? asList(statement.Action) : [];
  const actionOk = statement.Action !== undefined ? actions.some((p) => actionMatches(p, request.action)) : !asList(statement.NotAction).some((p) => actionMatches(p, request.action));
  if (!actionOk) problems.push(`it does not allow ${request.action}${actions.length ? ` (it allows ${actions.join(", ")})` : ""}`);
  const resources = asList(statement.Resource ?? "*");
  const resourceOk = resources.some((p) => (p.startsWith("arn:") ? arnMatches(p, request.resource) : resourceMatches(p, request.resource)));
  if (!resourceOk) problems.push(`its Resource ${resources.join(", ")} does not cover the key`);
  for (const [operator, entries] of Object.entries(statement.Condition ?? {})) {
    for (const [key, values] of Object.entries(entries)) {
      if (!evaluateCondition(operator, key, values, request.context)) problems.push(conditionWords(operator, key, asStrings(values), request));
    }
  }
  return { name: nameOf(statement, index), problems };
}

/** The Sids of the platform's statements for each request, to break ties toward them. */
function expectedSid(kind: KeyKind, platformRequest: PlatformRequest): string {
  if (platformRequest.viaService === null) return STATEMENT_IDS.preflight;
  if (kind === "s3") return platformRequest.request.action === "kms:DescribeKey" ? STATEMENT_IDS.s3DescribeKey : STATEMENT_IDS.s3Use;
  return platformRequest.request.action === "kms:DescribeKey" ? STATEMENT_IDS.rdsDescribeKey : STATEMENT_IDS.rdsGrants;
}

function closestStatement(document: PolicyDocument, kind: KeyKind, platformRequest: PlatformRequest): StatementDiagnosis {
  const candidates = statementsOf(document)
    .map((statement, index) => ({
      statement,
      diagnosis: diagnose(statement, index, platformRequest.request),
      forPlatform: coversPlatform(statement, platformRequest.request),
    }))
    .filter(({ statement, diagnosis }) => statement.Effect === "Allow" && diagnosis.problems.length > 0);
  const preferred = expectedSid(kind, platformRequest);
  // Closest: the platform's own statement for this request when it is there (by its Sid, as the
  // wizard shows it), then a statement meant for the platform before one for someone else (the
  // account's root statement is not "almost" the platform's), then the fewest problems.
  candidates.sort(
    (a, b) =>
      Number(b.statement.Sid === preferred) - Number(a.statement.Sid === preferred) ||
      Number(b.forPlatform) - Number(a.forPlatform) ||
      a.diagnosis.problems.length - b.diagnosis.problems.length,
  );
  return candidates[0]?.diagnosis ?? { name: "none", problems: ["no statement in the policy allows anything to the platform role"] };
}

/**
 * Whether a statement names the platform itself: its role, one of its sessions, or its account.
 * A wildcard principal (`"*"`, `{ "AWS": "*" }`) names nobody in particular and is the
 * customer's own business (e.g. "everyone in my account through EBS").
 */
function namesPlatform(statement: PolicyStatement, request: AuthzRequest): boolean {
  const block = statement.Principal;
  if (block === undefined || block === "*") return false;
  return asList(block.AWS).some((entry) => entry !== "*" && principalMatch({ AWS: entry }, request.principal) !== "none");
}

/** Whether a statement's principal covers the platform in any way, wildcards included. */
function coversPlatform(statement: PolicyStatement, request: AuthzRequest): boolean {
  return statement.Principal !== undefined && principalMatch(statement.Principal, request.principal) !== "none";
}

/** KMS actions the platform never needs on a customer key: a statement granting one gives away too much. */
const NEVER_NEEDED = [
  "kms:PutKeyPolicy",
  "kms:ScheduleKeyDeletion",
  "kms:DisableKey",
  "kms:CreateAlias",
  "kms:TagResource",
  "kms:UpdateKeyDescription",
  "kms:ImportKeyMaterial",
  "kms:Sign",
];
const NEEDED_BY_KIND: Record<KeyKind, readonly string[]> = {
  s3: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey", "kms:GetKeyRotationStatus"],
  rds: ["kms:DescribeKey", "kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant", "kms:GetKeyRotationStatus"],
};
const OTHER_ENVIRONMENT = "00000000-0000-4000-8000-000000000000";

/** Grants a single statement gives the platform beyond what it needs for this key. */
function broaderThanNeeded(statement: PolicyStatement, index: number, kind: KeyKind, requests: PlatformRequest[]): Array<{ name: string; words: string }> {
  if (statement.Effect !== "Allow") return [];
  const sample = requests[0]?.request;
  if (!sample || !coversPlatform(statement, sample)) return [];
  const single: PolicyDocument = { Statement: [statement] };
  const allows = (request: AuthzRequest) => evaluatePolicy(single, request, "resource").allow !== "none";
  const name = nameOf(statement, index);
  const found: Array<{ name: string; words: string }> = [];
  const extra = [...NEVER_NEEDED, ...NEEDED_BY_KIND[kind === "s3" ? "rds" : "s3"].filter((action) => !NEEDED_BY_KIND[kind].includes(action))].filter((action) =>
    requests.some((r) => allows({ ...r.request, action })),
  );
  if (extra.length) found.push({ name, words: `${name} also lets the platform call ${extra.join(", ")}, which it never needs on this key` });
  if (requests.some((r) => allows(r.request) && allows({ ...r.request, context: { ...r.request.context, "aws:PrincipalTag/byok-environment": OTHER_ENVIRONMENT } }))) {
    found.push({ name, words: `${name} is not pinned to this environment (aws:PrincipalTag/byok-environment): the platform could use the key while working for another environment` });
  }
  if (kind === "s3" && requests.some((r) => r.viaService === "s3" && r.request.action !== "kms:DescribeKey" && allows({ ...r.request, context: { ...r.request.context, "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::another-tenant-data" } }))) {
    found.push({ name, words: `${name} is not pinned to this environment's buckets (kms:EncryptionContext:aws:s3:arn)` });
  }
  if (statement.Principal !== undefined && principalMatch(statement.Principal, sample.principal) === "account") {
    found.push({ name, words: `${name} names the platform's whole AWS account, not the platform role: any role in that account could use the key` });
  }
  const direct = requests.find((r) => r.viaService !== null && r.request.action !== "kms:DescribeKey");
  if (direct) {
    const { ["kms:ViaService"]: _via, ...withoutService } = direct.request.context;
    if (allows({ ...direct.request, context: withoutService })) {
      found.push({ name, words: `${name} lets the platform call ${direct.request.action} directly, not only through ${direct.viaService?.toUpperCase()} (kms:ViaService)` });
    }
  }
  return found;
}

/** AWS's lockout safety check: someone in the key's account must still be allowed to change the policy. */
function lockoutCheck(document: PolicyDocument, environment: PolicyCheckEnvironment): { risk: boolean; words: string } {
  const account = keyAccountOf(environment);
  if (!account) return { risk: false, words: "Give the key ARN to check that your own account keeps control of the key." };
  const administrator: AuthzRequest = {
    principal: { arn: `arn:${environment.partition}:iam::${account}:role/KeyAdministrator`, accountId: account },
    action: "kms:PutKeyPolicy",
    resource: environment.keyArn ?? "*",
    context: { "aws:PrincipalAccount": account },
  };
  const evaluation = evaluatePolicy(document, administrator, "resource");
  if (!evaluation.explicitDeny && evaluation.allow !== "none") {
    return { risk: false, words: `Your account ${account} keeps control of the key (kms:PutKeyPolicy is allowed).` };
  }
  return {
    risk: true,
    words: `No statement lets your own account ${account} change this key's policy (kms:PutKeyPolicy). AWS refuses such a policy, and if it were applied nobody could manage the key any more. Keep the default statement that enables IAM policies for the account.`,
  };
}

/** AWS's default statement for a new key: the account's IAM policies decide who manages it. */
function accountRootStatement(partition: string, account: string): PolicyStatement {
  return { Sid: STATEMENT_IDS.accountRoot, Effect: "Allow", Principal: { AWS: `arn:${partition}:iam::${account}:root` }, Action: "kms:*", Resource: "*" };
}

export function checkKeyPolicy(input: PolicyCheckInput): PolicyCheckOutcome {
  const parsed = parsePolicy(input.policyText);
  if (!parsed.ok) return parsed;
  const { kind, environment } = input;
  const document = parsed.document;
  const statements = statementsOf(document);
  const requests = platformRequests(kind, environment);
  const keyAccount = keyAccountOf(environment) ?? "000000000000";

  const verdicts: RequestVerdict[] = requests.map((platformRequest) => {
    const allowed = allowedBy(document, platformRequest.request, keyAccount);
    const verdict: RequestVerdict = {
      id: platformRequest.id,
      description: platformRequest.description,
      action: platformRequest.request.action,
      viaService: platformRequest.viaService,
      allowed,
    };
    if (allowed) return verdict;
    const deny = statements.findIndex((statement) => statement.Effect === "Deny" && evaluatePolicy({ Statement: [statement] }, platformRequest.request, "resource").explicitDeny);
    if (deny !== -1) verdict.deniedBy = nameOf(statements[deny]!, deny);
    else verdict.closest = closestStatement(document, kind, platformRequest);
    return verdict;
  });

  const blockingDenies = statements
    .map((statement, index) => ({ statement, index }))
    .filter(({ statement }) => statement.Effect === "Deny")
    .map(({ statement, index }) => ({
      statement,
      name: nameOf(statement, index),
      blocks: requests.filter((r) => evaluatePolicy({ Statement: [statement] }, r.request, "resource").explicitDeny).map((r) => r.id),
    }))
    .filter((deny) => deny.blocks.length > 0);

  const lockout = lockoutCheck(document, environment);
  const broader = statements.flatMap((statement, index) => broaderThanNeeded(statement, index, kind, requests));

  // The corrected policy: the customer's statements, less the platform's own (replaced) and any
  // Deny that refuses the platform's requests, plus the platform's statements as the wizard shows them.
  const ours = new Set<string>(Object.values(STATEMENT_IDS).filter((sid) => sid !== STATEMENT_IDS.accountRoot));
  const changes: string[] = [];
  const sample = requests[0]!.request;
  const kept = statements.filter((statement, index) => {
    const name = nameOf(statement, index);
    if (statement.Sid !== undefined && ours.has(statement.Sid)) {
      changes.push(`Replaced ${name} with the platform's statement as the wizard shows it.`);
      return false;
    }
    if (statement.Effect === "Allow" && namesPlatform(statement, sample)) {
      changes.push(`Replaced ${name}, which names the platform, with the platform's statements.`);
      return false;
    }
    if (blockingDenies.some((deny) => deny.statement === statement)) {
      changes.push(`Removed ${name}: it denies requests the platform must make for this environment.`);
      return false;
    }
    return true;
  });
  const accountForRoot = keyAccountOf(environment);
  if (lockout.risk && accountForRoot) {
    kept.unshift(accountRootStatement(environment.partition, accountForRoot));
    changes.push(`Added AWS's default statement that lets your account ${accountForRoot} manage the key, so you keep control of it.`);
  }
  const policyContext = {
    partition: environment.partition,
    region: environment.region,
    platformAccountId: environment.platformAccountId,
    platformRoleArn: environment.platformRoleArn,
    environmentId: environment.environmentId,
    bucketNamePrefix: environment.bucketNamePrefix,
  };
  const platformStatements = kind === "s3" ? s3KeyStatements(policyContext) : rdsKeyStatements(policyContext);
  changes.push(`Added the platform's ${platformStatements.length} statements for this environment (${platformStatements.map((s) => s.Sid).join(", ")}).`);
  const corrected: PolicyDocument = {
    Version: document.Version ?? "2012-10-17",
    ...(document.Id === undefined ? {} : { Id: document.Id }),
    Statement: [...kept, ...platformStatements],
  };

  return {
    ok: true,
    result: {
      kind,
      requests: verdicts,
      allAllowed: verdicts.every((v) => v.allowed),
      explicitDenies: blockingDenies.map(({ name, blocks }) => ({ name, blocks })),
      lockout,
      broader,
      corrected,
      changes,
    },
  };
}
