"use client";

import { useActionState } from "react";
import { Button } from "@/components/ui/button";
import { supportRetryAction } from "../actions";

export function SupportRetryForm({ environmentId, enabled }: { environmentId: string; enabled: boolean }) {
  const [state, formAction, pending] = useActionState(supportRetryAction, null);
  const error = state && !state.ok ? state.error : undefined;
  return (
    <form action={formAction} className="flex items-center gap-3">
      <input type="hidden" name="environmentId" value={environmentId} />
      <Button type="submit" disabled={pending || !enabled}>{pending ? "Retrying…" : "Retry provisioning"}</Button>
      <p role="status" className={error ? "text-sm text-red-800" : "text-sm text-green-800"}>{error ?? (state?.ok ? "Provisioning was queued again." : "")}</p>
    </form>
  );
}
