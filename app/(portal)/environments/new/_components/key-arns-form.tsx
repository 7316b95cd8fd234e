"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useMemo } from "react";
import { useForm } from "react-hook-form";
import { Field, fieldAria } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { keyArnsSchema, parseOnboardingPayload, type KeyArnContext, type KeyArnsInput } from "@/lib/byok/arns";
import type { ActionResult } from "@/lib/pipeline/result";
import { FormError } from "./form-error";
import { PayloadField, usePayloadField } from "./payload-field";
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
  const form = useForm<KeyArnsInput>({ resolver: zodResolver(schema), defaultValues: defaults, mode: "onTouched" });
  const errors = form.formState.errors;
  const { pending, serverError, run } = useWizardAction(form);
  const payload = usePayloadField(parseOnboardingPayload, (parsed) => {
    form.setValue("s3KeyArn", parsed.s3KeyArn, { shouldValidate: true, shouldDirty: true });
    form.setValue("rdsKeyArn", parsed.rdsKeyArn, { shouldValidate: true, shouldDirty: true });
  });

  const onSubmit = form.handleSubmit((values) => run(() => submit({ ...values, environmentId })));

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-6">
      <FormError message={serverError} />
      <PayloadField
        state={payload}
        hint="Paste the output of the describe-stacks command to fill both fields below."
        filledNote="Both key ARNs were filled in from the payload."
        valid={!errors.s3KeyArn && !errors.rdsKeyArn}
      />
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
