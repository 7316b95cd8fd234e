"use server";

import { supportCheckKeyHealthNowUseCase } from "@/lib/key-health/use-cases";
import { formAction, serverAction } from "@/lib/pipeline/action";
import { addSupportNoteUseCase, supportRetryUseCase } from "@/lib/support/use-cases";

export const addNoteAction = formAction(addSupportNoteUseCase, {
  revalidate: (note) => (note.environmentId ? `/support/environments/${note.environmentId}` : `/support/tenants/${note.organizationId}`),
});

export const supportRetryAction = formAction(supportRetryUseCase, {
  revalidate: (retry) => `/support/environments/${retry.environmentId}`,
});

export const supportCheckKeyHealthNowAction = serverAction(supportCheckKeyHealthNowUseCase, { data: (outcome) => outcome.snapshot });
