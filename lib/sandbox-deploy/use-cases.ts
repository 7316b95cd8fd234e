import "server-only";
import { environmentRefSchema } from "@/lib/environments/schemas";
import { defineUseCase } from "@/lib/pipeline/use-case";
import { deployKeysInSandbox, sandboxKeyStackProgress } from "./deploy-keys";

/**
 * "Deploy in the sandbox" (sandbox mode only), as the keys step's server action and its polling
 * route run it (lib/pipeline): the customer, for a draft of their own organization.
 */

/** Creates (or picks up) the draft's keys stack as the sandbox's customer. Nothing changes in the database, so the pipeline records the audit event. */
export const deployKeysInSandboxUseCase = defineUseCase({
  name: "sandbox.deploy-keys",
  access: "customer",
  input: environmentRefSchema,
  run: deployKeysInSandbox,
  audit: (caller, _input, deployed) => ({
    organizationId: caller.organizationId,
    environmentId: deployed.environmentId,
    actor: { type: "user", userId: caller.userId },
    action: "environment.sandbox_keys.deployed",
    ipAddress: caller.ipAddress,
    details: { stackName: deployed.stackName, created: deployed.created, stackStatus: deployed.stackStatus },
  }),
});

export const sandboxKeyStackProgressUseCase = defineUseCase({
  name: "sandbox.deploy-keys.progress",
  access: "customer",
  input: environmentRefSchema,
  run: sandboxKeyStackProgress,
});
