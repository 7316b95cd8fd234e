"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useMemo, useState } from "react";
import { useForm } from "react-hook-form";
import { Field, fieldAria } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { keyArnsSchema, parseOnboardingPayload, type KeyArnContext, type KeyArnsInput } from "@/lib/byok/arns";
import type { ActionResult } from "@/lib/pipeline/result";
import { FormError } from "./form-error";
import { NextButton } from "./next-button";
import { useWizardAction } from "./use-wizard-action";

const keyArnFields = [
  { name: "s3KeyArn", label: "S3 key ARN", purpose: "object storage key" },
  { name: "rdsKeyArn", label: "RDS key ARN", purpose: "database key" },
] as const;

/**
 * The two key ARNs (or the onboarding payload that holds both): at the wizard's key-ARN step,
 * and on a failed environment's page to change them. `submit` is the server action; it checks
 * the ARNs again, live, and redirects when they are accepted.
 */
export function KeyArnsForm({
  environmentId,
  context,
  defaults,
  submit,
  submitLabel,
}: {
  environmentId: string;
  context: KeyArnContext;
  defaults: KeyArnsInput;
  submit: (input: KeyArnsInput & { environmentId: string }) => Promise<ActionResult<unknown>>;
  /** The button's words; "Next" in the wizard. */
  submitLabel?: string;
}) {
  const schema = useMemo(() => keyArnsSchema(context), [context]);
  const [payload, setPayload] = useState("");
  const [payloadError, setPayloadError] = useState<string>();
  const [payloadFilled, setPayloadFilled] = useState(false);
  const form = useForm<KeyArnsInput>({ resolver: zodResolver(schema), defaultValues: defaults, mode: "onTouched" });
  const errors = form.formState.errors;
  const { pending, serverError, run } = useWizardAction(form);

  function onPayloadChange(text: string) {
    setPayload(text);
    setPayloadFilled(false);
    if (text.trim() === "") {
      setPayloadError(undefined);
      return;
    }
    const parsed = parseOnboardingPayload(text);
    if (!parsed.ok) {
      setPayloadError(parsed.message);
      return;
    }
    setPayloadError(undefined);
    form.setValue("s3KeyArn", parsed.s3KeyArn, { shouldValidate: true, shouldDirty: true });
    form.setValue("rdsKeyArn", parsed.rdsKeyArn, { shouldValidate: true, shouldDirty: true });
    setPayloadFilled(true);
  }

  const onSubmit = form.handleSubmit((values) => run(() => submit({ ...values, environmentId })));
  // "Filled in" holds only while both fields are as the payload filled them and valid.
  const filledAndValid = payloadFilled && !errors.s3KeyArn && !errors.rdsKeyArn;

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-6">
      <FormError message={serverError} />
      <Field
        id="payload"
        label="Onboarding payload"
        hint="Paste the output of the describe-stacks command to fill both fields below."
        errors={payloadError ? [payloadError] : undefined}
      >
        <textarea
          id="payload"
          rows={3}
          value={payload}
          onChange={(event) => onPayloadChange(event.target.value)}
          spellCheck={false}
          {...fieldAria("payload", { hint: true, invalid: Boolean(payloadError) })}
          className="block w-full rounded-md border border-slate-400 bg-white px-3 py-2 font-mono text-xs aria-[invalid=true]:border-red-700"
        />
      </Field>
      <p role="status" className="text-sm text-green-800">
        {filledAndValid ? "Both key ARNs were filled in from the payload." : ""}
      </p>
      {keyArnFields.map(({ name, label, purpose }) => {
        const message = errors[name]?.message;
        return (
          <Field key={name} id={name} label={label} hint={`The full key ARN of the ${purpose}, in ${context.region}.`} errors={message ? [message] : undefined}>
            <Input
              id={name}
              className="font-mono"
              spellCheck={false}
              autoComplete="off"
              placeholder={`arn:${context.partition}:kms:${context.region}:111122223333:key/…`}
              {...fieldAria(name, { hint: true, invalid: Boolean(errors[name]) })}
              {...form.register(name)}
            />
          </Field>
        );
      })}
      <NextButton pending={pending} pendingLabel="Checking…" label={submitLabel} />
    </form>
  );
}
