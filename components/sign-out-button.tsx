"use client";

import { useActionState } from "react";
import type { ActionResult } from "@/lib/pipeline/result";

/** "Sign out": the action ends the session and redirects; a refusal is said next to the button. */
export function SignOutButton({ action }: { action: (previous: ActionResult | null, formData: FormData) => Promise<ActionResult> }) {
  const [state, formAction, pending] = useActionState(action, null);
  return (
    <form action={formAction} className="flex items-center gap-2">
      {state && !state.ok ? <span role="alert" className="text-red-800">{state.error}</span> : null}
      <button type="submit" disabled={pending} className="rounded-md px-3 py-1.5 whitespace-nowrap text-slate-800 hover:bg-slate-100">
        Sign out
      </button>
    </form>
  );
}
