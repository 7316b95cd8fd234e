"use server";

import { changeKeyArnsUseCase, changeRoleKeyUseCase, deleteEnvironmentUseCase, retryProvisioningUseCase } from "@/lib/environments/use-cases";
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

/** The new ARNs are checked live; the page then offers Retry provisioning with them. */
export const changeKeyArnsAction = serverAction(changeKeyArnsUseCase, {
  redirectTo: (changed) => `/environments/${changed.environmentId}`,
});

export const changeRoleKeyAction = serverAction(changeRoleKeyUseCase, {
  redirectTo: (changed) => `/environments/${changed.environmentId}`,
});

export const deleteEnvironmentAction = serverAction(deleteEnvironmentUseCase, { redirectTo: () => "/environments" });
