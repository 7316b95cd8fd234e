"use client";

import { useActionState, useState } from "react";
import { Button } from "@/components/ui/button";
import { supportRetryAction } from "../actions";

/** Retry on behalf of the customer, after a confirmation: it starts AWS work in their name. */
/** The card stays while the retry runs (so its confirmation stays in view); `enabled` only while the environment is failed. */
export function SupportRetryForm({ environmentId, enabled }: { environmentId: string; enabled: boolean }) {
  const [state, formAction, pending] = useActionState(supportRetryAction, null);
  const [asking, setAsking] = useState(false);
  const error = state && !state.ok ? state.error : undefined;
  return (
    <form action={formAction} className="space-y-3">
      <input type="hidden" name="environmentId" value={environmentId} />
      {asking ? (
        <div role="group" aria-label="Confirm the retry" className="flex flex-wrap items-center gap-3">
          <p className="text-sm font-medium">Retry provisioning for the customer now?</p>
          <Button type="submit" disabled={pending || !enabled}>{pending ? "Retrying…" : "Yes, retry"}</Button>
          <Button type="button" variant="secondary" disabled={pending} onClick={() => setAsking(false)}>
            Cancel
          </Button>
        </div>
      ) : (
        <Button type="button" disabled={!enabled} onClick={() => setAsking(true)}>
          Retry provisioning
        </Button>
      )}
      <p role="status" className={error ? "text-sm text-red-800" : "text-sm text-green-800"}>{error ?? (state?.ok ? "Provisioning was queued again." : "")}</p>
    </form>
  );
}
