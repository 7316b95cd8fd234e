/**
 * Test only: an independent verdict on a key policy from @cloud-copilot/iam-simulate (AGPL,
 * a devDependency, never imported by app code). The policy tests and the policy check's
 * corpus both judge policies with it.
 *
 * The simulator's validating entry point (`runSimulation`) drops context keys it cannot match to
 * the action, and it cannot match the templated `kms:EncryptionContext:<key>` keys, so it would
 * evaluate a bucket condition as if the context were missing. Each verdict therefore runs twice:
 * `runSimulation` without the encryption context proves every other key is known (none ignored),
 * each encryption-context key is checked against the action's templated keys, and the verdict
 * comes from `runUnsafeSimulation`, which evaluates the full context.
 */
import { createValidatedPolicy, validateResourcePolicy } from "@cloud-copilot/iam-policy";
import { allowedContextKeysForRequest, runSimulation, runUnsafeSimulation, type Simulation } from "@cloud-copilot/iam-simulate";

export type OracleVerdict = "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied";

export interface OracleRequest {
  /** The caller's ARN (a role session, a role, a user). */
  principal: string;
  action: string;
  /** The key's ARN, and the account it belongs to. */
  resource: string;
  resourceAccountId: string;
  context: Record<string, string | string[]>;
  /** Whether the caller's own IAM policies allow KMS (the platform's and a key administrator's do). Default true. */
  identityAllows?: boolean;
  /** The caller's own IAM policies, when they matter (an assumed customer role's permissions policy); replaces `identityAllows`. */
  identityPolicies?: unknown[];
}

const allowKms = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:*", Resource: "*" }] };
const ENCRYPTION_CONTEXT_PREFIX = "kms:encryptioncontext:";

/** `kms:encryptioncontext:${encryptioncontextkey}` matches `kms:encryptioncontext:aws:s3:arn`. */
function matchesTemplatedKey(template: string, key: string): boolean {
  const escape = (text: string) => text.replace(/[.*+?^$()|[\]\\{}]/g, "\\$&");
  return new RegExp(`^${template.split(/\$\{[^}]+\}/).map(escape).join(".+")}$`).test(key);
}

/** The verdict on one request, given the resource's policy (a key policy, or a role's trust policy). */
export async function oracleVerdict(policy: unknown, request: OracleRequest): Promise<OracleVerdict> {
  const resourcePolicy = createValidatedPolicy(policy, validateResourcePolicy, { name: "key-policy" });
  if (resourcePolicy.errors.length > 0) throw new Error(`The simulator refuses the policy: ${JSON.stringify(resourcePolicy.errors)}`);
  const simulation: Simulation = {
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: request.resourceAccountId },
      contextVariables: request.context,
    },
    identityPolicies: request.identityPolicies
      ? request.identityPolicies.map((policy, i) => ({ name: `caller-identity-policy-${i}`, policy }))
      : request.identityAllows === false
        ? []
        : [{ name: "caller-identity-policy", policy: allowKms }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy,
  };

  const encryptionContextKeys = Object.keys(request.context).filter((key) => key.toLowerCase().startsWith(ENCRYPTION_CONTEXT_PREFIX));
  const otherContext = Object.fromEntries(Object.entries(request.context).filter(([key]) => !encryptionContextKeys.includes(key)));
  const validated = await runSimulation({ ...simulation, request: { ...simulation.request, contextVariables: otherContext } }, {});
  if (validated.resultType !== "single") throw new Error(`The simulation did not run as one request: ${JSON.stringify(validated)}`);
  const ignored = validated.result.ignoredContextKeys ?? [];
  if (ignored.length > 0) throw new Error(`The simulator ignored context keys of ${request.action}: ${ignored.join(", ")}`);

  const [service = "", actionName = ""] = request.action.split(":");
  const templatedKeys = (await allowedContextKeysForRequest(service, actionName, request.resource, false, undefined)).filter((key) => key.includes("${"));
  for (const key of encryptionContextKeys) {
    if (!templatedKeys.some((template) => matchesTemplatedKey(template, key.toLowerCase()))) throw new Error(`${key} is not a context key of ${request.action}`);
  }

  const verdict = runUnsafeSimulation(simulation, {});
  if (encryptionContextKeys.length === 0 && verdict !== validated.overallResult) {
    throw new Error(`The simulator's two entry points disagree on ${request.action}: ${verdict} and ${validated.overallResult}`);
  }
  return verdict;
}
