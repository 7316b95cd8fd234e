"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useForm } from "react-hook-form";
import { encryptionSchema, type EncryptionInput } from "@/lib/environments/schemas";
import { ENCRYPTION_MODE_CHOICE_LABELS } from "@/lib/labels";
import { chooseEncryptionAction } from "../actions";
import { FormError } from "./form-error";
import { NextButton } from "./next-button";
import { useWizardAction } from "./use-wizard-action";

export function EncryptionForm({ draftId, defaults, brandName }: { draftId: string; defaults: Partial<EncryptionInput>; brandName: string }) {
  const form = useForm<EncryptionInput>({ resolver: zodResolver(encryptionSchema), defaultValues: defaults });
  const error = form.formState.errors.encryptionMode?.message;
  const { pending, serverError, run } = useWizardAction(form);
  const onSubmit = form.handleSubmit((values) => run(() => chooseEncryptionAction({ ...values, environmentId: draftId })));
  const option = "flex gap-3 rounded-md border border-slate-300 p-4 has-[:checked]:border-blue-700 has-[:checked]:bg-blue-50";
  return (
    <form onSubmit={onSubmit} noValidate className="space-y-5">
      <FormError message={serverError} />
      <fieldset aria-describedby={error ? "encryption-error" : undefined}>
        <legend className="mb-3 text-sm font-medium text-slate-800">Who manages the keys that encrypt this environment&apos;s data at rest?</legend>
        <div className="space-y-3">
          <label className={option}>
            <input type="radio" value="VENDOR_MANAGED" className="mt-1" {...form.register("encryptionMode")} />
            <span>
              <span className="block font-medium">{ENCRYPTION_MODE_CHOICE_LABELS.VENDOR_MANAGED}</span>
              <span className="block text-sm text-slate-700">
                {brandName} creates and manages the keys. Nothing to set up in your AWS account.
              </span>
            </span>
          </label>
          <label className={option}>
            <input type="radio" value="CUSTOMER_MANAGED" className="mt-1" {...form.register("encryptionMode")} />
            <span>
              <span className="block font-medium">{ENCRYPTION_MODE_CHOICE_LABELS.CUSTOMER_MANAGED}</span>
              <span className="block text-sm text-slate-700">
                Two AWS KMS keys in your own account encrypt the object storage and the database. You control who can use
                them, can see every use in CloudTrail, and can revoke access at any time.
              </span>
            </span>
          </label>
        </div>
        {error ? (
          <p id="encryption-error" role="alert" className="mt-2 text-sm text-red-700">
            {error}
          </p>
        ) : null}
      </fieldset>
      <div role="note" className="rounded-md border border-amber-400 bg-amber-50 p-4 text-sm text-amber-950">
        <p className="font-semibold">This choice is permanent.</p>
        <p className="mt-1">
          Customer-managed keys can only be chosen now, while the environment is being created: they cannot be turned on
          later. Once the environment is provisioned, its encryption mode and keys can no longer be changed.
        </p>
      </div>
      <NextButton pending={pending} />
    </form>
  );
}
