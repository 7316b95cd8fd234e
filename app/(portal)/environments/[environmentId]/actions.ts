"use server";

import { retryProvisioningUseCase } from "@/lib/environments/use-cases";
import { serverAction } from "@/lib/pipeline/action";

export const retryProvisioningAction = serverAction(retryProvisioningUseCase, {
  redirectTo: (retry) => `/environments/${retry.environmentId}`,
});
