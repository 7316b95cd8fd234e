import "server-only";
import type { CustomerCaller } from "@/lib/auth/caller";
import { bucketNamePrefixFor } from "@/lib/byok/values";
import { env } from "@/lib/env";
import { getEnvironment } from "@/lib/environments/get-environment";
import { AppError } from "@/lib/errors";
import { checkKeyPolicy, type PolicyCheckResult } from "./check";
import { keyCommandsFor } from "./commands";
import type { PolicyCheckInput } from "./schema";

export const CORRECTED_POLICY_FILE = "corrected-key-policy.json";

export interface EnvironmentPolicyCheck extends PolicyCheckResult {
  correctedJson: string;
  /** Applies the corrected policy once it is saved as corrected-key-policy.json. */
  putCommand: string;
  getCommand: string;
}

/** The policy check for one of the caller's customer-managed environments and one of its two keys. */
export async function checkEnvironmentKeyPolicy(caller: CustomerCaller, input: PolicyCheckInput): Promise<EnvironmentPolicyCheck> {
  const environment = await getEnvironment(caller, input);
  if (environment.encryptionMode !== "CUSTOMER_MANAGED") {
    throw new AppError("CONFLICT", "This environment is encrypted with the platform's own keys: there is no key policy of yours to check.");
  }
  const config = env();
  const keyArn = (input.kind === "s3" ? environment.s3KeyArn : environment.rdsKeyArn) ?? undefined;
  const outcome = checkKeyPolicy({
    kind: input.kind,
    policyText: input.policyJson,
    environment: {
      environmentId: environment.id,
      region: environment.region,
      partition: config.partition,
      platformAccountId: config.platformAccountId,
      platformRoleArn: config.platformRoleArn,
      bucketNamePrefix: bucketNamePrefixFor(config.resourcePrefix, environment.id),
      keyArn,
    },
  });
  if (!outcome.ok) throw new AppError("VALIDATION", outcome.error, { fieldErrors: { policyJson: [outcome.error] } });
  return {
    ...outcome.result,
    correctedJson: JSON.stringify(outcome.result.corrected, null, 2),
    getCommand: keyCommandsFor(keyArn ?? null, environment.region).getPolicy(),
    putCommand: keyCommandsFor(keyArn ?? null, environment.region).putPolicy(CORRECTED_POLICY_FILE),
  };
}
