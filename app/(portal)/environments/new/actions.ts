"use server";

import { redirect } from "next/navigation";
import { revalidatePath } from "next/cache";
import {
  acknowledgeKeyInstructions,
  chooseEncryption,
  createEnvironmentDraft,
  provideKeyArns,
  updateDraftBasics,
} from "@/lib/environments/draft";
import { retryProvisioning, submitEnvironment } from "@/lib/environments/submit-environment";
import { AppError, publicError } from "@/lib/errors";

/** What a wizard form gets back when the server refuses its input. */
export type ActionResult = { ok: false; error: string; fieldErrors?: Record<string, string[]> };

async function attempt(run: () => Promise<string>): Promise<ActionResult> {
  let destination: string;
  try {
    destination = await run();
  } catch (error) {
    if (!(error instanceof AppError)) console.error("wizard action failed", error);
    const shown = publicError(error);
    return {
      ok: false,
      error: shown.message,
      ...(error instanceof AppError && error.fieldErrors ? { fieldErrors: error.fieldErrors } : {}),
    };
  }
  // redirect() throws: it stays outside the try so it is never mistaken for a failure.
  redirect(destination);
}

// Every action takes `unknown` and lets the service parse it with the shared zod schema:
// the browser's own check is a convenience, never trusted.

export async function createDraftAction(input: unknown): Promise<ActionResult> {
  return attempt(async () => {
    const draft = await createEnvironmentDraft({ input });
    return `/environments/new/${draft.id}/encryption`;
  });
}

export async function updateBasicsAction(environmentId: string, input: unknown): Promise<ActionResult> {
  return attempt(async () => {
    const draft = await updateDraftBasics({ environmentId: String(environmentId), input });
    return `/environments/new/${draft.id}/encryption`;
  });
}

export async function chooseEncryptionAction(environmentId: string, input: unknown): Promise<ActionResult> {
  return attempt(async () => {
    const draft = await chooseEncryption({ environmentId: String(environmentId), input });
    return `/environments/new/${draft.id}/${draft.encryptionMode === "CUSTOMER_MANAGED" ? "keys" : "review"}`;
  });
}

export async function acknowledgeKeysAction(environmentId: string): Promise<ActionResult> {
  return attempt(async () => {
    const draft = await acknowledgeKeyInstructions({ environmentId: String(environmentId) });
    return `/environments/new/${draft.id}/key-arns`;
  });
}

export async function provideKeyArnsAction(environmentId: string, input: unknown): Promise<ActionResult> {
  return attempt(async () => {
    const draft = await provideKeyArns({ environmentId: String(environmentId), input });
    return `/environments/new/${draft.id}/review`;
  });
}

export async function submitEnvironmentAction(environmentId: string): Promise<ActionResult> {
  return attempt(async () => {
    const result = await submitEnvironment({ environmentId: String(environmentId) });
    revalidatePath("/environments");
    return `/environments/${result.environmentId}`;
  });
}

export async function retryProvisioningAction(environmentId: string): Promise<ActionResult> {
  return attempt(async () => {
    await retryProvisioning({ environmentId: String(environmentId) });
    return `/environments/${String(environmentId)}`;
  });
}
