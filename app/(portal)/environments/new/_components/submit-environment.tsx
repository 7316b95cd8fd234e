"use client";

import { useState, useTransition } from "react";
import { Button } from "@/components/ui/button";
import { submitEnvironmentAction } from "../actions";
import { FormError } from "./form-error";

/** "Create environment": disabled while the request is in flight; the server dedupes anyway. */
export function SubmitEnvironment({ draftId }: { draftId: string }) {
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
              const result = await submitEnvironmentAction(draftId);
              if (result && !result.ok) setError(result.error);
            })
          }
        >
          {pending ? "Creating…" : "Create environment"}
        </Button>
      </div>
    </div>
  );
}
