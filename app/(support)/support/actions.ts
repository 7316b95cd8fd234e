"use server";

import { revalidatePath } from "next/cache";
import { notFound } from "next/navigation";
import { AppError, publicError } from "@/lib/errors";
import { addSupportNote, supportRetryProvisioning } from "@/lib/support/console";

export interface SupportActionState {
  ok?: boolean;
  error?: string;
  message?: string;
}

function failure(error: unknown): SupportActionState {
  // Not support (or no such tenant): the same 404 as the pages, so the console stays invisible.
  if (error instanceof AppError && (error.code === "NOT_FOUND" || error.code === "UNAUTHENTICATED")) notFound();
  if (!(error instanceof AppError)) console.error("support action failed", error);
  return { ok: false, error: publicError(error).message };
}

export async function addNoteAction(_previous: SupportActionState, formData: FormData): Promise<SupportActionState> {
  try {
    const note = await addSupportNote({
      input: { organizationId: formData.get("organizationId"), environmentId: formData.get("environmentId") ?? undefined, body: formData.get("body") },
    });
    revalidatePath(note.environmentId ? `/support/environments/${note.environmentId}` : `/support/tenants/${note.organizationId}`);
    return { ok: true, message: "Note saved." };
  } catch (error) {
    return failure(error);
  }
}

export async function supportRetryAction(_previous: SupportActionState, formData: FormData): Promise<SupportActionState> {
  try {
    const environmentId = String(formData.get("environmentId") ?? "");
    const result = await supportRetryProvisioning({ environmentId });
    revalidatePath(`/support/environments/${environmentId}`);
    return result.retried
      ? { ok: true, message: "Provisioning was queued again." }
      : { ok: false, error: "Someone else retried it a moment ago; reload to see the new attempt." };
  } catch (error) {
    return failure(error);
  }
}
