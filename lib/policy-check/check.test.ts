import { describe, expect, test } from "vitest";
import { EXAMPLE_ENVIRONMENT, EXAMPLE_POLICY_CONTEXT } from "@/lib/byok/example-environment";
import { keyPolicy, STATEMENT_IDS, type KeyKind } from "@/lib/byok/policies";
import type { PolicyDocument, PolicyStatement } from "@/lib/iam";
import { checkKeyPolicy, MAX_KEY_POLICY_BYTES, type PolicyCheckResult } from "./check";
import { platformRequests, type PolicyCheckEnvironment } from "./requests";
import { oracleVerdict as simulate } from "@/lib/iam/__testing__/oracle";
import type { AuthzRequest } from "@/lib/iam";

const KEY_ACCOUNT = "123456789012";
/** The simulator's verdict on one of the platform's requests. */
const oracleVerdict = (policy: PolicyDocument, request: AuthzRequest) =>
  simulate(policy, { principal: request.principal.arn, action: request.action, resource: request.resource, resourceAccountId: KEY_ACCOUNT, context: request.context });

const env = EXAMPLE_ENVIRONMENT;
const environmentFor = (kind: KeyKind): PolicyCheckEnvironment => ({
  environmentId: env.environmentId,
  region: env.region,
  partition: env.partition,
  platformAccountId: env.platformAccountId,
  platformRoleArn: env.platformRoleArn,
  bucketNamePrefix: env.bucketNamePrefix,
  keyArn: kind === "s3" ? env.s3KeyArn : env.rdsKeyArn,
});
const OTHER_ENVIRONMENT = "9a8b7c6d-1e2f-4a3b-8c4d-5e6f7a8b9c0d";
const ids = STATEMENT_IDS;

/** A deep copy of the right policy for the key, to break. */
function rightPolicy(kind: KeyKind): { Version: string; Statement: PolicyStatement[] } {
  return JSON.parse(JSON.stringify(keyPolicy(kind, EXAMPLE_POLICY_CONTEXT))) as { Version: string; Statement: PolicyStatement[] };
}

type Mutation = (policy: { Version: string; Statement: PolicyStatement[] }) => void;

const withStatement = (sid: string, change: (statement: PolicyStatement) => void): Mutation => (policy) => {
  const statement = policy.Statement.find((s) => s.Sid === sid);
  if (!statement) throw new Error(`no statement ${sid}`);
  change(statement);
};
const without = (...sids: string[]): Mutation => (policy) => {
  policy.Statement = policy.Statement.filter((s) => !sids.includes(s.Sid ?? ""));
};
const adding = (statement: PolicyStatement): Mutation => (policy) => {
  policy.Statement.push(statement);
};
const conditionOf = (statement: PolicyStatement, operator: string) => {
  statement.Condition ??= {};
  return (statement.Condition[operator] ??= {});
};
const setCondition = (sid: string, operator: string, key: string, value: string | string[]) =>
  withStatement(sid, (s) => {
    conditionOf(s, operator)[key] = value;
  });
const dropCondition = (sid: string, operator: string, key: string) =>
  withStatement(sid, (s) => {
    delete conditionOf(s, operator)[key];
  });
const setActions = (sid: string, actions: string[]) =>
  withStatement(sid, (s) => {
    s.Action = actions;
  });

interface BrokenCase {
  name: string;
  kind: KeyKind;
  mutate: Mutation;
  /** Requests that must be refused (ids from requests.ts); empty for policies that work but grant too much. */
  denied: string[];
  /** Words the check must say about it (in a closest statement's problems, a deny, the lockout or a broader grant). */
  says: RegExp;
}

const s3Use = ids.s3Use;
const grants = ids.rdsGrants;
const allS3Uses = ["s3:GenerateDataKey:data", "s3:Decrypt:data", "s3:GenerateDataKey:logs", "s3:Decrypt:logs"];
const preflight = ["preflight:DescribeKey", "preflight:GetKeyRotationStatus"];
const allGrants = ["rds:CreateGrant", "rds:ListGrants", "rds:RevokeGrant"];

const cases: BrokenCase[] = [
  // The S3 key.
  { name: "S3: the use statement is missing", kind: "s3", mutate: without(s3Use), denied: allS3Uses, says: /does not allow kms:GenerateDataKey/ },
  { name: "S3: kms:ViaService names another Region", kind: "s3", mutate: setCondition(s3Use, "StringEquals", "kms:ViaService", "s3.eu-central-1.amazonaws.com"), denied: allS3Uses, says: /kms:ViaService is s3\.eu-central-1\.amazonaws\.com; this environment needs s3\.eu-west-1\.amazonaws\.com/ },
  { name: "S3: kms:ViaService names RDS", kind: "s3", mutate: setCondition(s3Use, "StringEquals", "kms:ViaService", "rds.eu-west-1.amazonaws.com"), denied: allS3Uses, says: /kms:ViaService is rds\.eu-west-1\.amazonaws\.com; this environment needs s3\.eu-west-1/ },
  { name: "S3: aws:PrincipalAccount is another account", kind: "s3", mutate: setCondition(s3Use, "StringEquals", "aws:PrincipalAccount", "111122223333"), denied: allS3Uses, says: /aws:PrincipalAccount is 111122223333; the platform's account is 210987654321/ },
  { name: "S3: pinned to another environment", kind: "s3", mutate: setCondition(s3Use, "StringEquals", "aws:PrincipalTag/byok-environment", OTHER_ENVIRONMENT), denied: allS3Uses, says: new RegExp(`for the environment ${OTHER_ENVIRONMENT}; this environment is ${env.environmentId}`) },
  { name: "S3: the tag key is misspelt", kind: "s3", mutate: (p) => { dropCondition(s3Use, "StringEquals", "aws:PrincipalTag/byok-environment")(p); setCondition(s3Use, "StringEquals", "aws:PrincipalTag/byok-env", env.environmentId)(p); }, denied: allS3Uses, says: /aws:PrincipalTag\/byok-env .*no value/ },
  { name: "S3: the buckets of another environment", kind: "s3", mutate: setCondition(s3Use, "StringLike", "kms:EncryptionContext:aws:s3:arn", ["arn:aws:s3:::stratus-9a8b7c6d-*"]), denied: allS3Uses, says: /allows the buckets arn:aws:s3:::stratus-9a8b7c6d-\*; this environment's bucket is arn:aws:s3:::stratus-0f3c6b2e/ },
  { name: "S3: GenerateDataKey missing from the actions", kind: "s3", mutate: setActions(s3Use, ["kms:Encrypt", "kms:Decrypt"]), denied: ["s3:GenerateDataKey:data", "s3:GenerateDataKey:logs"], says: /does not allow kms:GenerateDataKey \(it allows kms:Encrypt, kms:Decrypt\)/ },
  { name: "S3: Decrypt missing from the actions", kind: "s3", mutate: setActions(s3Use, ["kms:Encrypt", "kms:GenerateDataKey*"]), denied: ["s3:Decrypt:data", "s3:Decrypt:logs"], says: /does not allow kms:Decrypt/ },
  { name: "S3: another role as principal", kind: "s3", mutate: withStatement(s3Use, (s) => { s.Principal = { AWS: "arn:aws:iam::210987654321:role/someone-else" }; }), denied: allS3Uses, says: /its principal is .*someone-else.*not the platform role/ },
  { name: "S3: explicit deny of everything for the platform role", kind: "s3", mutate: adding({ Sid: "NoVendor", Effect: "Deny", Principal: { AWS: env.platformRoleArn }, Action: "kms:*", Resource: "*" }), denied: [...allS3Uses, "s3:DescribeKey", ...preflight], says: /NoVendor/ },
  { name: "S3: explicit deny of data keys through S3", kind: "s3", mutate: adding({ Sid: "NoS3DataKeys", Effect: "Deny", Principal: { AWS: "*" }, Action: "kms:GenerateDataKey*", Resource: "*", Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } } }), denied: ["s3:GenerateDataKey:data", "s3:GenerateDataKey:logs"], says: /NoS3DataKeys/ },
  { name: "S3: explicit deny outside the customer's account", kind: "s3", mutate: adding({ Sid: "OnlyMyAccount", Effect: "Deny", Principal: { AWS: "*" }, Action: "kms:*", Resource: "*", Condition: { StringNotEquals: { "aws:PrincipalAccount": env.customerAccountId } } }), denied: [...allS3Uses, "s3:DescribeKey", ...preflight], says: /OnlyMyAccount/ },
  { name: "S3: the use statement is a Deny", kind: "s3", mutate: withStatement(s3Use, (s) => { s.Effect = "Deny"; }), denied: allS3Uses, says: new RegExp(s3Use) },
  { name: "S3: no root statement (lockout)", kind: "s3", mutate: without(ids.accountRoot), denied: [], says: /No statement lets your own account 123456789012 change this key's policy/ },
  { name: "S3: kms:ViaService turned into StringNotEquals", kind: "s3", mutate: (p) => { dropCondition(s3Use, "StringEquals", "kms:ViaService")(p); setCondition(s3Use, "StringNotEquals", "kms:ViaService", "s3.eu-west-1.amazonaws.com")(p); }, denied: allS3Uses, says: /StringNotEquals makes kms:ViaService anything but s3\.eu-west-1\.amazonaws\.com/ },
  { name: "S3: the use statement's Resource is another key", kind: "s3", mutate: withStatement(s3Use, (s) => { s.Resource = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-4333-8444-555555555555"; }), denied: allS3Uses, says: /its Resource .* does not cover the key/ },
  { name: "S3: the preflight statement is missing", kind: "s3", mutate: without(ids.preflight), denied: preflight, says: /calls KMS directly, not through a service/ },
  { name: "S3: the preflight statement names another environment", kind: "s3", mutate: setCondition(ids.preflight, "StringEquals", "aws:PrincipalTag/byok-environment", OTHER_ENVIRONMENT), denied: preflight, says: /for the environment 9a8b7c6d/ },
  { name: "S3: the preflight is tied to S3", kind: "s3", mutate: setCondition(ids.preflight, "StringEquals", "kms:ViaService", "s3.eu-west-1.amazonaws.com"), denied: preflight, says: /calls KMS directly/ },
  { name: "S3: describe and preflight both missing", kind: "s3", mutate: without(ids.s3DescribeKey, ids.preflight), denied: ["s3:DescribeKey", ...preflight], says: /does not allow kms:DescribeKey/ },
  { name: "S3: region and account both wrong", kind: "s3", mutate: (p) => { setCondition(s3Use, "StringEquals", "kms:ViaService", "s3.us-east-1.amazonaws.com")(p); setCondition(s3Use, "StringEquals", "aws:PrincipalAccount", "999999999999")(p); }, denied: allS3Uses, says: /kms:ViaService is s3\.us-east-1\.amazonaws\.com.*|aws:PrincipalAccount is 999999999999/ },
  { name: "S3: the platform's statements only, as one object", kind: "s3", mutate: (p) => { p.Statement = p.Statement.filter((s) => s.Sid === s3Use); }, denied: ["s3:DescribeKey", ...preflight], says: /No statement lets your own account/ },
  // Policies that work but give the platform more than it needs.
  { name: "S3: not pinned to the environment", kind: "s3", mutate: dropCondition(s3Use, "StringEquals", "aws:PrincipalTag/byok-environment"), denied: [], says: /not pinned to this environment \(aws:PrincipalTag/ },
  { name: "S3: not pinned to the buckets", kind: "s3", mutate: withStatement(s3Use, (s) => { delete s.Condition?.StringLike; }), denied: [], says: /not pinned to this environment's buckets/ },
  { name: "S3: kms:* for the platform", kind: "s3", mutate: setActions(s3Use, ["kms:*"]), denied: [], says: /also lets the platform call kms:PutKeyPolicy/ },
  { name: "S3: usable directly, not only through S3", kind: "s3", mutate: dropCondition(s3Use, "StringEquals", "kms:ViaService"), denied: [], says: /directly, not only through S3/ },
  { name: "S3: the platform's whole account named", kind: "s3", mutate: withStatement(s3Use, (s) => { s.Principal = { AWS: `arn:aws:iam::${env.platformAccountId}:root` }; }), denied: [], says: /names the platform's whole AWS account/ },
  // The RDS key.
  { name: "RDS: the grants statement is missing", kind: "rds", mutate: without(grants), denied: allGrants, says: /does not allow kms:CreateGrant/ },
  { name: "RDS: kms:GrantIsForAWSResource false", kind: "rds", mutate: setCondition(grants, "Bool", "kms:GrantIsForAWSResource", "false"), denied: allGrants, says: /kms:GrantIsForAWSResource must be false; RDS makes its grant for an AWS resource, so it is true/ },
  { name: "RDS: CreateGrant missing from the actions", kind: "rds", mutate: setActions(grants, ["kms:ListGrants", "kms:RevokeGrant"]), denied: ["rds:CreateGrant"], says: /does not allow kms:CreateGrant \(it allows kms:ListGrants, kms:RevokeGrant\)/ },
  { name: "RDS: grants through S3 instead of RDS", kind: "rds", mutate: setCondition(grants, "StringEquals", "kms:ViaService", "s3.eu-west-1.amazonaws.com"), denied: allGrants, says: /kms:ViaService is s3\.eu-west-1\.amazonaws\.com; this environment needs rds\.eu-west-1/ },
  { name: "RDS: grants in another Region", kind: "rds", mutate: setCondition(grants, "StringEquals", "kms:ViaService", "rds.ap-southeast-2.amazonaws.com"), denied: allGrants, says: /kms:ViaService is rds\.ap-southeast-2\.amazonaws\.com/ },
  { name: "RDS: grants for another account", kind: "rds", mutate: setCondition(grants, "StringEquals", "aws:PrincipalAccount", "111122223333"), denied: allGrants, says: /aws:PrincipalAccount is 111122223333/ },
  { name: "RDS: grants for another environment", kind: "rds", mutate: setCondition(grants, "StringEquals", "aws:PrincipalTag/byok-environment", OTHER_ENVIRONMENT), denied: allGrants, says: /for the environment 9a8b7c6d/ },
  { name: "RDS: grants for another role", kind: "rds", mutate: withStatement(grants, (s) => { s.Principal = { AWS: "arn:aws:iam::210987654321:role/other" }; }), denied: allGrants, says: /its principal is .*role\/other/ },
  { name: "RDS: explicit deny of grants", kind: "rds", mutate: adding({ Sid: "NoGrants", Effect: "Deny", Principal: { AWS: "*" }, Action: "kms:CreateGrant", Resource: "*" }), denied: ["rds:CreateGrant"], says: /NoGrants/ },
  { name: "RDS: no root statement (lockout)", kind: "rds", mutate: without(ids.accountRoot), denied: [], says: /No statement lets your own account/ },
  { name: "RDS: describe and preflight both missing", kind: "rds", mutate: without(ids.rdsDescribeKey, ids.preflight), denied: ["rds:DescribeKey", ...preflight], says: /does not allow kms:DescribeKey/ },
  { name: "RDS: the grants statement's Resource is another key", kind: "rds", mutate: withStatement(grants, (s) => { s.Resource = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-4333-8444-555555555555"; }), denied: allGrants, says: /does not cover the key/ },
  { name: "RDS: the preflight names another account", kind: "rds", mutate: setCondition(ids.preflight, "StringEquals", "aws:PrincipalAccount", "444455556666"), denied: preflight, says: /aws:PrincipalAccount is 444455556666/ },
  { name: "RDS: the grants statement is a Deny", kind: "rds", mutate: withStatement(grants, (s) => { s.Effect = "Deny"; }), denied: allGrants, says: new RegExp(grants) },
  { name: "RDS: the platform may also decrypt", kind: "rds", mutate: setActions(grants, ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant", "kms:Decrypt"]), denied: [], says: /also lets the platform call .*kms:Decrypt/ },
  { name: "RDS: grants without the GrantIsForAWSResource condition", kind: "rds", mutate: withStatement(grants, (s) => { delete s.Condition?.Bool; }), denied: [], says: /^$/ },
];

/** Everything the check says, as one text to search. */
function wordsOf(result: PolicyCheckResult): string {
  return [
    ...result.requests.flatMap((r) => [r.deniedBy ?? "", ...(r.closest?.problems ?? [])]),
    ...result.explicitDenies.map((d) => d.name),
    result.lockout.risk ? result.lockout.words : "",
    ...result.broader.map((b) => b.words),
  ].join("\n");
}

/** Statements that are the customer's own: not the platform's and not naming the platform. */
function customersOwn(statements: PolicyStatement[]): PolicyStatement[] {
  const platformSids = new Set<string>(Object.values(STATEMENT_IDS).filter((sid) => sid !== STATEMENT_IDS.accountRoot));
  return statements.filter((s) => !platformSids.has(s.Sid ?? "") && JSON.stringify(s.Principal ?? "").indexOf("210987654321") === -1);
}

describe("policy check corpus: broken policies", () => {
  test("the corpus has at least 40 broken policies", () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  test.each(["s3", "rds"] as const)("the right %s policy passes: every request allowed, nothing broader, no lockout", (kind) => {
    const outcome = checkKeyPolicy({ kind, policyText: JSON.stringify(rightPolicy(kind)), environment: environmentFor(kind) });
    if (!outcome.ok) throw new Error(outcome.error);
    expect(outcome.result.requests.filter((r) => !r.allowed)).toEqual([]);
    expect(outcome.result.broader).toEqual([]);
    expect(outcome.result.lockout.risk).toBe(false);
    expect(outcome.result.explicitDenies).toEqual([]);
  });

  test.each(cases)("$name", async ({ kind, mutate, denied, says }) => {
    const broken = rightPolicy(kind);
    mutate(broken);
    const environment = environmentFor(kind);
    const outcome = checkKeyPolicy({ kind, policyText: JSON.stringify(broken, null, 2), environment });
    if (!outcome.ok) throw new Error(outcome.error);
    const { result } = outcome;

    expect(result.requests.filter((r) => !r.allowed).map((r) => r.id).sort()).toEqual([...denied].sort());
    if (says.source !== "^$") expect(wordsOf(result)).toMatch(says);
    // Our own evaluator agrees with the independent one on the broken policy.
    for (const request of platformRequests(kind, environment)) {
      const verdict = await oracleVerdict(broken as PolicyDocument, request.request);
      expect(verdict === "Allowed", `${request.id} on the broken policy`).toBe(!denied.includes(request.id));
    }

    // The corrected policy: every platform request allowed by the oracle, no lockout, and every
    // statement of the customer's own kept as it was.
    for (const request of platformRequests(kind, environment)) {
      expect(await oracleVerdict(result.corrected, request.request), `${request.id} on the corrected policy`).toBe("Allowed");
    }
    const recheck = checkKeyPolicy({ kind, policyText: JSON.stringify(result.corrected), environment });
    if (!recheck.ok) throw new Error(recheck.error);
    expect(recheck.result.allAllowed).toBe(true);
    expect(recheck.result.lockout.risk).toBe(false);
    expect(recheck.result.broader).toEqual([]);
    const keptDenies = new Set(result.explicitDenies.map((d) => d.name));
    for (const own of customersOwn(broken.Statement).filter((s) => !(s.Effect === "Deny" && keptDenies.has(s.Sid ?? "")))) {
      expect(result.corrected.Statement).toContainEqual(own);
    }
  });
});

describe("policy check: what it refuses to read", () => {
  const environment = environmentFor("s3");
  test.each([
    ["", /Paste the key policy JSON first/],
    ["{ not json", /This is not valid JSON/],
    ['{"Version": "2012-10-17"}', /This JSON is not a key policy: it has no Statement list/],
    ['["a", "list"]', /not a key policy/],
    ['{"Statement": [{"Effect": "Maybe", "Action": "kms:*"}]}', /This key policy is malformed \(at Statement/],
    [`{"Statement": [], "Padding": "${"x".repeat(MAX_KEY_POLICY_BYTES)}"}`, /a key policy can be at most 32 KB/],
  ])("%#: a clear message", (text, message) => {
    const outcome = checkKeyPolicy({ kind: "s3", policyText: text, environment });
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.error).toMatch(message);
  });

  test("get-key-policy's whole answer (with PolicyName) is read too", () => {
    const answer = JSON.stringify({ Policy: JSON.stringify(rightPolicy("s3")), PolicyName: "default" });
    const outcome = checkKeyPolicy({ kind: "s3", policyText: answer, environment });
    expect(outcome.ok && outcome.result.allAllowed).toBe(true);
  });
});
