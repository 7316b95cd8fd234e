/** Key policies: the default one, GetKeyPolicy and PutKeyPolicy (with the lockout safety check). */
import { validationException } from "../../errors";
import { optBoolean, optString, reqString } from "../../input";
import type { Operation, World } from "../../world";
import { keyOperation, keyUpdate, lockoutCheck } from "./access";
import { notFound } from "./lookup";

/** The policy KMS gives a key created without one: the account's IAM policies decide. */
export function defaultKeyPolicy(accountId: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Id: "key-default-1",
    Statement: [
      {
        Sid: "Enable IAM User Permissions",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: "kms:*",
        Resource: "*",
      },
    ],
  });
}

export function policyOperations(world: World): Record<string, Operation> {
  return {
    GetKeyPolicy: keyOperation(
      world,
      "GetKeyPolicy",
      (key, input) => {
        const policyName = optString(input, "PolicyName") ?? "default";
        if (policyName !== "default") throw notFound(`Policy ${policyName} does not exist`);
        return { Policy: key.policy, PolicyName: "default" };
      },
      { allowAlias: false },
    ),

    PutKeyPolicy: keyUpdate(world, "PutKeyPolicy", (key, input, ctx) => {
      const policyName = optString(input, "PolicyName") ?? "default";
      if (policyName !== "default") throw validationException("PolicyName must be default");
      const policy = reqString(input, "Policy");
      lockoutCheck(world, ctx, policy, key.arn, key.accountId, optBoolean(input, "BypassPolicyLockoutSafetyCheck") ?? false);
      key.policy = policy;
    }),
  };
}
