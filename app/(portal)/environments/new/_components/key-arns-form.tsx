"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useMemo, useState, useTransition } from "react";
import { useForm } from "react-hook-form";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { keyArnsSchema, parseOnboardingPayload, type KeyArnContext, type KeyArnsInput } from "@/lib/byok/arns";
import { provideKeyArnsAction } from "../actions";
import { FormError } from "./form-error";

export function KeyArnsForm({ draftId, context, defaults }: { draftId: string; context: KeyArnContext; defaults: KeyArnsInput }) {
  const schema = useMemo(() => keyArnsSchema(context), [context]);
  const [pending, startTransition] = useTransition();
  const [serverError, setServerError] = useState<string>();
  const [payload, setPayload] = useState("");
  const [payloadError, setPayloadError] = useState<string>();
  const [payloadFilled, setPayloadFilled] = useState(false);
  const form = useForm<KeyArnsInput>({ resolver: zodResolver(schema), defaultValues: defaults, mode: "onChange" });
  const errors = form.formState.errors;

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

  const onSubmit = form.handleSubmit((values) =>
    startTransition(async () => {
      setServerError(undefined);
      const result = await provideKeyArnsAction(draftId, values);
      if (result && !result.ok) {
        setServerError(result.error);
        for (const [field, messages] of Object.entries(result.fieldErrors ?? {})) {
          if (field === "s3KeyArn" || field === "rdsKeyArn") form.setError(field, { message: messages.join(" ") });
        }
      }
    }),
  );

  const describedBy = (id: string, hasError: boolean) => (hasError ? `${id}-hint ${id}-error` : `${id}-hint`);
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
          aria-invalid={payloadError ? true : undefined}
          aria-describedby={describedBy("payload", Boolean(payloadError))}
          className="block w-full rounded-md border border-slate-400 bg-white px-3 py-2 font-mono text-xs aria-[invalid=true]:border-red-700"
        />
      </Field>
      <p role="status" className="text-sm text-green-800">
        {payloadFilled ? "Both key ARNs were filled in from the payload." : ""}
      </p>
      <Field
        id="s3KeyArn"
        label="S3 key ARN"
        hint={`The full key ARN of the object storage key, in ${context.region}.`}
        errors={errors.s3KeyArn?.message ? [errors.s3KeyArn.message] : undefined}
      >
        <Input
          id="s3KeyArn"
          className="font-mono"
          spellCheck={false}
          autoComplete="off"
          placeholder={`arn:${context.partition}:kms:${context.region}:111122223333:key/…`}
          aria-invalid={errors.s3KeyArn ? true : undefined}
          aria-describedby={describedBy("s3KeyArn", Boolean(errors.s3KeyArn))}
          {...form.register("s3KeyArn")}
        />
      </Field>
      <Field
        id="rdsKeyArn"
        label="RDS key ARN"
        hint={`The full key ARN of the database key, in ${context.region}.`}
        errors={errors.rdsKeyArn?.message ? [errors.rdsKeyArn.message] : undefined}
      >
        <Input
          id="rdsKeyArn"
          className="font-mono"
          spellCheck={false}
          autoComplete="off"
          placeholder={`arn:${context.partition}:kms:${context.region}:111122223333:key/…`}
          aria-invalid={errors.rdsKeyArn ? true : undefined}
          aria-describedby={describedBy("rdsKeyArn", Boolean(errors.rdsKeyArn))}
          {...form.register("rdsKeyArn")}
        />
      </Field>
      <div className="flex justify-end">
        <Button type="submit" disabled={pending}>
          {pending ? "Checking…" : "Next"}
        </Button>
      </div>
    </form>
  );
}
