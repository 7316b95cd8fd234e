import { z } from "zod";

const stringOrList = z.union([z.string(), z.array(z.string()).min(1)]);
const conditionScalar = z.union([z.string(), z.number(), z.boolean()]);
const conditionValue = z.union([conditionScalar, z.array(conditionScalar)]);
const principalBlock = z.union([z.literal("*"), z.record(z.string(), stringOrList)]);

export const policyStatementSchema = z
  .object({
    Sid: z.string().optional(),
    Effect: z.enum(["Allow", "Deny"]),
    Principal: principalBlock.optional(),
    NotPrincipal: principalBlock.optional(),
    Action: stringOrList.optional(),
    NotAction: stringOrList.optional(),
    Resource: stringOrList.optional(),
    NotResource: stringOrList.optional(),
    Condition: z.record(z.string(), z.record(z.string(), conditionValue)).optional(),
  })
  .refine((s) => (s.Action === undefined) !== (s.NotAction === undefined), {
    message: "A statement needs exactly one of Action or NotAction",
  });

export const policyDocumentSchema = z.object({
  Version: z.string().optional(),
  Id: z.string().optional(),
  Statement: z.union([policyStatementSchema, z.array(policyStatementSchema)]),
});

export type PolicyStatement = z.infer<typeof policyStatementSchema>;
export type PolicyDocument = z.infer<typeof policyDocumentSchema>;
export type ConditionValue = z.infer<typeof conditionValue>;
export type PrincipalBlock = z.infer<typeof principalBlock>;

/** Request context values: single-valued keys hold a string, multivalued keys an array. */
export type ContextValue = string | string[];

export interface AuthzPrincipal {
  arn: string;
  accountId: string;
  /** IAM role ARN for an assumed-role session (a key policy naming the role matches its sessions). */
  roleArn?: string;
  /** Set when the caller is an AWS service principal such as `rds.amazonaws.com`. */
  servicePrincipal?: string;
}

export interface AuthzRequest {
  principal: AuthzPrincipal;
  /** `service:Operation`, e.g. `kms:GenerateDataKey`. */
  action: string;
  resource: string;
  /** Context keys; looked up case-insensitively. */
  context: Record<string, ContextValue>;
}

export function statementsOf(doc: PolicyDocument): PolicyStatement[] {
  return Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
}
