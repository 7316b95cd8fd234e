"use client";

import { Button } from "@/components/ui/button";
import type { ActionResult } from "@/lib/pipeline/result";
import { FormError } from "./form-error";
import { useWizardAction } from "./use-wizard-action";

/**
 * A wizard button that runs one server action (which redirects on success) and shows the
 * server's message when it refuses. Disabled while the request is in flight; the server
 * dedupes anyway.
 */
export function ActionButton({
  run,
  label,
  pendingLabel,
}: {
  run: () => Promise<ActionResult<unknown>>;
  label: string;
  pendingLabel: string;
}) {
  const action = useWizardAction();
  return (
    <div className="space-y-3">
      <FormError message={action.serverError} />
      <div className="flex justify-end">
        <Button disabled={action.pending} onClick={() => action.run(run)}>
          {action.pending ? pendingLabel : label}
        </Button>
      </div>
    </div>
  );
}
