"use server";

import {
  acknowledgeKeysUseCase,
  chooseEncryptionUseCase,
  chooseKeyAccessUseCase,
  createDraftUseCase,
  provideKeyArnsUseCase,
  provideRoleKeyUseCase,
  submitEnvironmentUseCase,
  updateBasicsUseCase,
} from "@/lib/environments/use-cases";
import { serverAction } from "@/lib/pipeline/action";

// Each wizard step redirects to the next one on success; a refusal comes back as an ActionResult.
const wizardStep = (environmentId: string, step: string) => `/environments/new/${environmentId}/${step}`;

export const createDraftAction = serverAction(createDraftUseCase, { redirectTo: (draft) => wizardStep(draft.id, "encryption") });

export const updateBasicsAction = serverAction(updateBasicsUseCase, { redirectTo: (draft) => wizardStep(draft.id, "encryption") });

export const chooseEncryptionAction = serverAction(chooseEncryptionUseCase, {
  redirectTo: (draft) => wizardStep(draft.id, draft.encryptionMode === "CUSTOMER_MANAGED" ? "keys" : "review"),
});

export const acknowledgeKeysAction = serverAction(acknowledgeKeysUseCase, { redirectTo: (draft) => wizardStep(draft.id, "key-arns") });

/** Stays on the keys step, which then shows the chosen mode's instructions. */
export const chooseKeyAccessAction = serverAction(chooseKeyAccessUseCase, { revalidate: (draft) => wizardStep(draft.id, "keys") });

export const provideRoleKeyAction = serverAction(provideRoleKeyUseCase, { redirectTo: (draft) => wizardStep(draft.id, "review") });

export const provideKeyArnsAction = serverAction(provideKeyArnsUseCase, { redirectTo: (draft) => wizardStep(draft.id, "review") });

export const submitEnvironmentAction = serverAction(submitEnvironmentUseCase, {
  revalidate: () => "/environments",
  redirectTo: (submitted) => `/environments/${submitted.environmentId}`,
});
