"use client";

import { useId, useState, useTransition } from "react";
import { Button } from "@/components/ui/button";
import type { ActionResult } from "@/lib/pipeline/result";

/**
 * A button for an action that cannot be undone: the first click asks, in words, what will
 * happen; only "Yes, …" runs it. The server action redirects when it succeeds; a refusal is
 * shown under the buttons.
 */
export function ConfirmAction({
  label,
  confirmLabel,
  question,
  input,
  action,
  tone = "danger",
}: {
  /** The first button ("Delete environment"). */
  label: string;
  /** The confirming button ("Yes, delete it"). */
  confirmLabel: string;
  /** What happens, asked as a question. */
  question: string;
  input: Record<string, string>;
  action: (input: unknown) => Promise<ActionResult<unknown>>;
  tone?: "danger" | "primary";
}) {
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<string>();
  const [pending, start] = useTransition();
  const questionId = useId();

  function confirm() {
    start(async () => {
      setError(undefined);
      const result = await action(input);
      if (!result.ok) setError(result.error);
    });
  }

  if (!asking) {
    return (
      <Button type="button" variant={tone === "danger" ? "danger" : "primary"} onClick={() => setAsking(true)}>
        {label}
      </Button>
    );
  }
  return (
    <div role="group" aria-labelledby={questionId} className="space-y-3 rounded-md border border-slate-300 bg-slate-50 p-4">
      <p id={questionId} className="text-sm font-medium">
        {question}
      </p>
      <div className="flex flex-wrap gap-2">
        <Button type="button" variant={tone === "danger" ? "danger" : "primary"} disabled={pending} onClick={confirm}>
          {pending ? "Working…" : confirmLabel}
        </Button>
        <Button type="button" variant="secondary" disabled={pending} onClick={() => setAsking(false)}>
          Cancel
        </Button>
      </div>
      <p role="status" className="text-sm text-red-800">
        {error ?? ""}
      </p>
    </div>
  );
}
