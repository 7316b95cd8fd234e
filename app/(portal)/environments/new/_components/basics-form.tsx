"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useState, useTransition } from "react";
import { useForm } from "react-hook-form";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { basicsSchema, type BasicsInput } from "@/lib/environments/schemas";
import { createDraftAction, updateBasicsAction } from "../actions";
import { FormError } from "./form-error";

export function BasicsForm({
  regions,
  draftId,
  defaults,
}: {
  regions: string[];
  draftId?: string;
  defaults: BasicsInput;
}) {
  const [pending, startTransition] = useTransition();
  const [serverError, setServerError] = useState<string>();
  const form = useForm<BasicsInput>({ resolver: zodResolver(basicsSchema(regions)), defaultValues: defaults, mode: "onTouched" });
  const errors = form.formState.errors;

  const onSubmit = form.handleSubmit((values) =>
    startTransition(async () => {
      setServerError(undefined);
      const result = draftId ? await updateBasicsAction(draftId, values) : await createDraftAction(values);
      if (result && !result.ok) {
        setServerError(result.error);
        for (const [field, messages] of Object.entries(result.fieldErrors ?? {})) {
          if (field === "name" || field === "region") form.setError(field, { message: messages.join(" ") });
        }
      }
    }),
  );

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-5">
      <FormError message={serverError} />
      <Field id="name" label="Environment name" hint="Shown to your team and to our support staff, e.g. “Production EU”." errors={errors.name?.message ? [errors.name.message] : undefined}>
        <Input
          id="name"
          autoComplete="off"
          aria-invalid={errors.name ? true : undefined}
          aria-describedby={errors.name ? "name-hint name-error" : "name-hint"}
          {...form.register("name")}
        />
      </Field>
      <Field id="region" label="Region" hint="Where the environment's data is stored. Your keys must be in this region too." errors={errors.region?.message ? [errors.region.message] : undefined}>
        <select
          id="region"
          className="block w-full rounded-md border border-slate-400 bg-white px-3 py-2 font-mono text-sm"
          aria-invalid={errors.region ? true : undefined}
          aria-describedby={errors.region ? "region-hint region-error" : "region-hint"}
          {...form.register("region")}
        >
          {regions.map((region) => (
            <option key={region} value={region}>
              {region}
            </option>
          ))}
        </select>
      </Field>
      <div className="flex justify-end">
        <Button type="submit" disabled={pending}>
          {pending ? "Saving…" : "Next"}
        </Button>
      </div>
    </form>
  );
}
