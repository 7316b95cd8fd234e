"use client";

import { useState } from "react";
import { Field, fieldAria } from "@/components/ui/field";

/**
 * The onboarding payload box of a key-ARN form: the text a describe-stacks command printed,
 * parsed as it is typed or pasted; `fill` puts what it holds into the form's fields. The
 * "filled in" note shows only while the fields are still as the payload filled them (`valid`).
 */
export function usePayloadField<P>(parse: (text: string) => ({ ok: true } & P) | { ok: false; message: string }, fill: (parsed: P) => void) {
  const [payload, setPayload] = useState("");
  const [error, setError] = useState<string>();
  const [filled, setFilled] = useState(false);
  function onChange(text: string) {
    setPayload(text);
    setFilled(false);
    if (text.trim() === "") {
      setError(undefined);
      return;
    }
    const parsed = parse(text);
    if (!parsed.ok) {
      setError(parsed.message);
      return;
    }
    setError(undefined);
    fill(parsed);
    setFilled(true);
  }
  return { payload, error, filled, onChange };
}

export function PayloadField({ state, hint, filledNote, valid }: { state: ReturnType<typeof usePayloadField>; hint: string; filledNote: string; valid: boolean }) {
  return (
    <>
      <Field id="payload" label="Onboarding payload" hint={hint} errors={state.error ? [state.error] : undefined}>
        <textarea
          id="payload"
          rows={3}
          value={state.payload}
          onChange={(event) => state.onChange(event.target.value)}
          spellCheck={false}
          {...fieldAria("payload", { hint: true, invalid: Boolean(state.error) })}
          className="block w-full rounded-md border border-slate-400 bg-white px-3 py-2 font-mono text-xs aria-[invalid=true]:border-red-700"
        />
      </Field>
      <p role="status" className="text-sm text-green-800">
        {state.filled && valid ? filledNote : ""}
      </p>
    </>
  );
}
