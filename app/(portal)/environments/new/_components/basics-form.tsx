"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useForm } from "react-hook-form";
import { Field, fieldAria } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { basicsSchema, type BasicsInput } from "@/lib/environments/schemas";
import { createDraftAction, updateBasicsAction } from "../actions";
import { FormError } from "./form-error";
import { NextButton } from "./next-button";
import { useWizardAction } from "./use-wizard-action";

export function BasicsForm({
  regions,
  draftId,
  defaults,
}: {
  regions: string[];
  draftId?: string;
  defaults: BasicsInput;
}) {
  const form = useForm<BasicsInput>({ resolver: zodResolver(basicsSchema(regions)), defaultValues: defaults, mode: "onTouched" });
  const errors = form.formState.errors;
  const { pending, serverError, run } = useWizardAction(form);
  const onSubmit = form.handleSubmit((values) =>
    run(() => (draftId ? updateBasicsAction({ ...values, environmentId: draftId }) : createDraftAction(values))),
  );

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-5">
      <FormError message={serverError} />
      <Field id="name" label="Environment name" hint="Shown to your team and to our support staff, e.g. “Production EU”." errors={errors.name?.message ? [errors.name.message] : undefined}>
        <Input
          id="name"
          autoComplete="off"
          {...fieldAria("name", { hint: true, invalid: Boolean(errors.name) })}
          {...form.register("name")}
        />
      </Field>
      <Field id="region" label="Region" hint="Where the environment's data is stored. Your keys must be in this region too." errors={errors.region?.message ? [errors.region.message] : undefined}>
        <select
          id="region"
          className="block w-full rounded-md border border-slate-400 bg-white px-3 py-2 font-mono text-sm"
          {...fieldAria("region", { hint: true, invalid: Boolean(errors.region) })}
          {...form.register("region")}
        >
          {regions.map((region) => (
            <option key={region} value={region}>
              {region}
            </option>
          ))}
        </select>
      </Field>
      <NextButton pending={pending} />
    </form>
  );
}
