"use client";

import { useState, useTransition } from "react";
import { Button } from "@/components/ui/button";
import { acknowledgeKeysAction } from "../actions";
import { FormError } from "./form-error";

export function AcknowledgeKeys({ draftId }: { draftId: string }) {
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
              const result = await acknowledgeKeysAction(draftId);
              if (result && !result.ok) setError(result.error);
            })
          }
        >
          {pending ? "Saving…" : "Next"}
        </Button>
      </div>
    </div>
  );
}
