"use server";

import { retryProvisioningUseCase } from "@/lib/environments/use-cases";
import { serverAction } from "@/lib/pipeline/action";
import { checkKeyPolicyUseCase } from "@/lib/policy-check/use-cases";

export const retryProvisioningAction = serverAction(retryProvisioningUseCase, {
  redirectTo: (retry) => `/environments/${retry.environmentId}`,
});

export const checkKeyPolicyAction = serverAction(checkKeyPolicyUseCase, { data: (check) => check });
