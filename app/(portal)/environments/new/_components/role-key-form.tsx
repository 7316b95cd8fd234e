"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useMemo } from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { Field, fieldAria } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import type { KeyArnContext } from "@/lib/byok/arns";
import { parseRolePayload, roleKeySchema } from "@/lib/byok/role-arns";
import { LOG_GROUP_ARN_EXAMPLE, LOG_ROLE_ARN_EXAMPLE, logForwardingSchema } from "@/lib/key-use-log/arns";
import type { ActionResult } from "@/lib/pipeline/result";
import { FormError } from "./form-error";
import { PayloadField, usePayloadField } from "./payload-field";
import { NextButton } from "./next-button";
import { useWizardAction } from "./use-wizard-action";

export type RoleKeyValues = { roleArn: string; keyArn: string; logGroupArn: string; logRoleArn: string };

/** The form's schema: the role and the key, and optionally both log forwarding fields. */
function roleKeyFormSchema(ctx: KeyArnContext) {
  const base = roleKeySchema(ctx);
  return z
    .object({ roleArn: z.string(), keyArn: z.string(), logGroupArn: z.string(), logRoleArn: z.string() })
    .superRefine((value, refinement) => {
      const keys = base.safeParse({ roleArn: value.roleArn, keyArn: value.keyArn });
      if (!keys.success) for (const issue of keys.error.issues) refinement.addIssue({ code: "custom", path: issue.path, message: issue.message });
      if (value.logGroupArn.trim() === "" && value.logRoleArn.trim() === "") return;
      const logs = logForwardingSchema.safeParse({ logGroupArn: value.logGroupArn.trim(), logRoleArn: value.logRoleArn.trim() });
      if (!logs.success) for (const issue of logs.error.issues) refinement.addIssue({ code: "custom", path: issue.path, message: issue.message });
    });
}

/**
 * Role mode's key-ARN step (F8): the role's ARN and the key's ARN, or the role template's
 * onboarding payload holding both; optionally where to forward the platform's key-use events.
 * The server action checks everything again and, live, assumes the role and uses the key.
 */
export function RoleKeyForm({
  environmentId,
  context,
  defaults,
  submit,
  submitLabel,
}: {
  environmentId: string;
  context: KeyArnContext;
  defaults: RoleKeyValues;
  submit: (input: RoleKeyValues & { environmentId: string }) => Promise<ActionResult<unknown>>;
  submitLabel?: string;
}) {
  const schema = useMemo(() => roleKeyFormSchema(context), [context]);
  const form = useForm<RoleKeyValues>({ resolver: zodResolver(schema), defaultValues: defaults, mode: "onTouched" });
  const errors = form.formState.errors;
  const { pending, serverError, run } = useWizardAction(form);
  const payload = usePayloadField(parseRolePayload, (parsed) => {
    form.setValue("roleArn", parsed.roleArn, { shouldValidate: true, shouldDirty: true });
    form.setValue("keyArn", parsed.keyArn, { shouldValidate: true, shouldDirty: true });
  });

  const onSubmit = form.handleSubmit((values) => run(() => submit({ ...values, environmentId })));
  const fields = [
    { name: "roleArn", label: "Role ARN", hint: "The ARN of the IAM role you created for the platform.", placeholder: `arn:${context.partition}:iam::111122223333:role/…` },
    { name: "keyArn", label: "Key ARN", hint: `The full ARN of the KMS key the role may use, in ${context.region}.`, placeholder: `arn:${context.partition}:kms:${context.region}:111122223333:key/…` },
  ] as const;
  const logFields = [
    { name: "logGroupArn", label: "Log group ARN", hint: "A CloudWatch Logs log group of yours.", placeholder: LOG_GROUP_ARN_EXAMPLE },
    { name: "logRoleArn", label: "Log role ARN", hint: "A role the platform assumes with your External ID, allowed logs:CreateLogStream and logs:PutLogEvents on that group.", placeholder: LOG_ROLE_ARN_EXAMPLE },
  ] as const;

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-6">
      <FormError message={serverError} />
      <PayloadField
        state={payload}
        hint="Paste the output of the describe-stacks command to fill both fields below."
        filledNote="The role ARN and the key ARN were filled in from the payload."
        valid={!errors.roleArn && !errors.keyArn}
      />
      {fields.map(({ name, label, hint, placeholder }) => (
        <Field key={name} id={name} label={label} hint={hint} errors={errors[name]?.message ? [errors[name].message] : undefined}>
          <Input id={name} className="font-mono" spellCheck={false} autoComplete="off" placeholder={placeholder} {...fieldAria(name, { hint: true, invalid: Boolean(errors[name]) })} {...form.register(name)} />
        </Field>
      ))}
      <fieldset className="space-y-4 rounded-md border border-slate-200 p-4">
        <legend className="px-1 text-sm font-semibold">Key-use log forwarding (optional)</legend>
        <p className="text-sm text-slate-700">
          We can send one event for every use of your key we make (time, action, key, encryption context, request id,
          outcome) to a CloudWatch Logs group of yours. Leave both fields empty to skip this; you still see every use in
          CloudTrail.
        </p>
        {logFields.map(({ name, label, hint, placeholder }) => (
          <Field key={name} id={name} label={label} hint={hint} errors={errors[name]?.message ? [errors[name].message] : undefined}>
            <Input id={name} className="font-mono" spellCheck={false} autoComplete="off" placeholder={placeholder} {...fieldAria(name, { hint: true, invalid: Boolean(errors[name]) })} {...form.register(name)} />
          </Field>
        ))}
      </fieldset>
      <NextButton pending={pending} pendingLabel="Checking…" label={submitLabel} />
    </form>
  );
}
