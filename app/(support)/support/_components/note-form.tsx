"use client";

import { useActionState } from "react";
import { Button } from "@/components/ui/button";
import { addNoteAction } from "../actions";

/** Internal notes: support only, never shown to the customer. */
export function NoteForm({ organizationId, environmentId }: { organizationId: string; environmentId?: string }) {
  const [state, formAction, pending] = useActionState(addNoteAction, null);
  const error = state && !state.ok ? (state.fieldErrors.body?.join(" ") ?? state.error) : undefined;
  return (
    <form action={formAction} className="space-y-2">
      <input type="hidden" name="organizationId" value={organizationId} />
      {environmentId ? <input type="hidden" name="environmentId" value={environmentId} /> : null}
      <label htmlFor="note-body" className="block text-sm font-medium">Add an internal note</label>
      <textarea id="note-body" name="body" rows={3} maxLength={4000} required className="block w-full rounded-md border border-slate-400 px-3 py-2 text-sm" />
      <div className="flex items-center gap-3">
        <Button type="submit" variant="secondary" disabled={pending}>{pending ? "Saving…" : "Save note"}</Button>
        <p role="status" className={error ? "text-sm text-red-800" : "text-sm text-green-800"}>{error ?? (state?.ok ? "Note saved." : "")}</p>
      </div>
    </form>
  );
}
