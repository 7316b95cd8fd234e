import "server-only";
import { defineUseCase } from "@/lib/pipeline/use-case";
import { checkEnvironmentKeyPolicy } from "./check-environment-policy";
import { policyCheckInputSchema } from "./schema";

/** Reads nothing but the environment and changes nothing, so it records no audit event. */
export const checkKeyPolicyUseCase = defineUseCase({
  name: "environment.check-key-policy",
  access: "customer",
  input: policyCheckInputSchema,
  run: checkEnvironmentKeyPolicy,
});
