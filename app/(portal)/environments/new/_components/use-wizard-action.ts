"use client";

import { useState, useTransition } from "react";
import type { FieldValues, Path, UseFormReturn } from "react-hook-form";
import type { ActionResult } from "@/lib/pipeline/result";

/**
 * Runs a wizard action (which redirects on success) in a transition and shows its refusal:
 * the message above the form, and each field's messages under that field.
 */
export function useWizardAction<T extends FieldValues>(form?: UseFormReturn<T>) {
  const [pending, startTransition] = useTransition();
  const [serverError, setServerError] = useState<string>();
  function run(action: () => Promise<ActionResult<unknown>>) {
    startTransition(async () => {
      setServerError(undefined);
      const result = await action();
      if (result.ok) return;
      setServerError(result.error);
      const fields = form ? Object.keys(form.getValues()) : [];
      for (const [field, messages] of Object.entries(result.fieldErrors)) {
        if (fields.includes(field)) form?.setError(field as Path<T>, { message: messages.join(" ") });
      }
    });
  }
  return { pending, serverError, run };
}
