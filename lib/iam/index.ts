/**
 * IAM policy evaluation as a library: parse a policy document, decide a request against identity
 * policies and a KMS key policy, and word a refusal the way AWS does. Plain TypeScript (zod only),
 * usable from the portal, the sandbox and tests alike.
 */
export { accessDeniedMessage, decideIdentity, decideKms, evaluatePolicy, principalMatch } from "./evaluator";
export type { Decision, KmsDecisionInput, PolicyEvaluation, PrincipalMatch } from "./evaluator";
export { evaluateCondition, evaluateConditionBlock, lookupContext } from "./conditions";
export { actionMatches, arnMatches, globMatch, resourceMatches } from "./match";
export { policyDocumentSchema, policyStatementSchema, statementsOf } from "./types";
export type { AuthzPrincipal, AuthzRequest, ConditionValue, ContextValue, PolicyDocument, PolicyStatement, PrincipalBlock } from "./types";
