"use client";

import { useState, useTransition } from "react";
import { Button } from "@/components/ui/button";
import type { ActionResult } from "../actions";
import { FormError } from "./form-error";

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
  run: () => Promise<ActionResult>;
  label: string;
  pendingLabel: string;
}) {
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string>();
  return (
    <div className="space-y-3">
      <FormError message={error} />
      <div className="flex justify-end">
        <Button
          disabled={pending}
          onClick={() =>
            startTransition(async () => {
              setError(undefined);
              const result = await run();
              if (result && !result.ok) setError(result.error);
            })
          }
        >
          {pending ? pendingLabel : label}
        </Button>
      </div>
    </div>
  );
}
