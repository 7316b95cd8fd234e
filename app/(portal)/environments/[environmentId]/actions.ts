"use server";

import { retryProvisioningUseCase } from "@/lib/environments/use-cases";
import { checkKeyHealthNowUseCase } from "@/lib/key-health/use-cases";
import { serverAction } from "@/lib/pipeline/action";
import { checkKeyPolicyUseCase } from "@/lib/policy-check/use-cases";

export const retryProvisioningAction = serverAction(retryProvisioningUseCase, {
  redirectTo: (retry) => `/environments/${retry.environmentId}`,
});

export const checkKeyPolicyAction = serverAction(checkKeyPolicyUseCase, { data: (check) => check });

/** Revalidates the page so that the header's notification count shows an alert the check raised. */
export const checkKeyHealthNowAction = serverAction(checkKeyHealthNowUseCase, {
  data: (outcome) => outcome.snapshot,
  revalidate: (outcome) => `/environments/${outcome.snapshot.environmentId}`,
});
