"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useId, useState, useTransition } from "react";
import { useForm, useWatch } from "react-hook-form";
import { CodeFigure } from "@/components/code-figure";
import { Button } from "@/components/ui/button";
import { Field, fieldAria } from "@/components/ui/field";
import type { ActionResult } from "@/lib/pipeline/result";
import type { EnvironmentPolicyCheck } from "@/lib/policy-check/check-environment-policy";
import { policyCheckFormSchema, type PolicyCheckFormInput } from "@/lib/policy-check/schema";

const KEY_LABELS = { s3: "S3 key", rds: "RDS key" } as const;

/**
 * The policy check form (F3): which key, the policy as get-key-policy printed it, and the
 * verdict for each request the platform makes, with the corrected policy to apply. The
 * checking happens on the server (`check`, a server action handed in by the page).
 */
export function PolicyCheck({
  environmentId,
  getCommands,
  defaultKind = "s3",
  check,
}: {
  environmentId: string;
  /** The get-key-policy command for each key, shown above the field. */
  getCommands: Record<"s3" | "rds", string>;
  defaultKind?: "s3" | "rds";
  check: (input: unknown) => Promise<ActionResult<EnvironmentPolicyCheck>>;
}) {
  const form = useForm<PolicyCheckFormInput>({ resolver: zodResolver(policyCheckFormSchema), defaultValues: { kind: defaultKind, policyJson: "" }, mode: "onTouched" });
  const [result, setResult] = useState<EnvironmentPolicyCheck>();
  const [serverError, setServerError] = useState<string>();
  const [pending, start] = useTransition();
  const ids = useId();
  const kind = useWatch({ control: form.control, name: "kind" });
  const errors = form.formState.errors;

  const onSubmit = form.handleSubmit((values) =>
    start(async () => {
      setServerError(undefined);
      const outcome = await check({ ...values, environmentId });
      if (outcome.ok) {
        setResult(outcome.data);
        return;
      }
      setResult(undefined);
      const fieldMessage = outcome.fieldErrors.policyJson?.[0];
      if (fieldMessage) form.setError("policyJson", { message: fieldMessage });
      else setServerError(outcome.error);
    }),
  );

  return (
    <div className="space-y-4">
      <form onSubmit={onSubmit} noValidate className="space-y-4" aria-label="Check a key policy">
        <fieldset className="space-y-2">
          <legend className="text-sm font-medium text-slate-800">Which key</legend>
          <div className="flex flex-wrap gap-4">
            {(["s3", "rds"] as const).map((value) => (
              <label key={value} className="flex items-center gap-2 text-sm">
                <input type="radio" value={value} {...form.register("kind")} />
                {KEY_LABELS[value]}
              </label>
            ))}
          </div>
        </fieldset>
        <CodeFigure code={getCommands[kind]} title={`Command that prints the ${KEY_LABELS[kind]}'s policy`} />
        <Field id={`${ids}-policy`} label="Key policy JSON" hint="Paste what the command above wrote to current-key-policy.json." errors={errors.policyJson?.message ? [errors.policyJson.message] : undefined}>
          <textarea
            id={`${ids}-policy`}
            rows={8}
            spellCheck={false}
            className="w-full rounded-md border border-slate-300 p-2 font-mono text-xs"
            {...fieldAria(`${ids}-policy`, { hint: true, invalid: Boolean(errors.policyJson) })}
            {...form.register("policyJson")}
          />
        </Field>
        {serverError ? (
          <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-800">
            {serverError}
          </p>
        ) : null}
        <Button type="submit" variant="primary" disabled={pending}>
          {pending ? "Checking…" : "Check policy"}
        </Button>
      </form>
      {result ? <PolicyCheckResultView result={result} /> : null}
    </div>
  );
}

function PolicyCheckResultView({ result }: { result: EnvironmentPolicyCheck }) {
  const refused = result.requests.filter((r) => !r.allowed);
  const headingId = useId();
  return (
    <section aria-labelledby={headingId} className="space-y-4 rounded-md border border-slate-300 p-4">
      <h3 id={headingId} className="text-base font-semibold">
        Policy check
      </h3>
      <p role="status" className={refused.length ? "font-medium text-red-800" : "font-medium text-green-800"}>
        {refused.length
          ? `${refused.length} of the ${result.requests.length} requests the platform makes on your ${KEY_LABELS[result.kind]} are refused by this policy.`
          : `All ${result.requests.length} requests the platform makes on your ${KEY_LABELS[result.kind]} are allowed by this policy.`}
      </p>
      <ul className="space-y-2 text-sm" aria-label="The platform's requests">
        {result.requests.map((request) => (
          <li key={request.id} className="rounded border border-slate-200 p-2">
            <p>
              <span className={request.allowed ? "font-semibold text-green-800" : "font-semibold text-red-800"}>{request.allowed ? "Allowed" : "Refused"}</span>
              {": "}
              {request.description}
            </p>
            {request.deniedBy ? <p className="mt-1 text-slate-800">The explicit Deny in {request.deniedBy} refuses it.</p> : null}
            {request.closest ? (
              <div className="mt-1 text-slate-800">
                <p>Closest statement: {request.closest.name}. What does not hold:</p>
                <ul className="ml-5 list-disc">
                  {request.closest.problems.map((problem) => (
                    <li key={problem}>{problem}</li>
                  ))}
                </ul>
              </div>
            ) : null}
          </li>
        ))}
      </ul>
      {result.explicitDenies.length ? (
        <div className="text-sm">
          <p className="font-medium">Explicit denies that refuse the platform</p>
          <ul className="ml-5 list-disc">
            {result.explicitDenies.map((deny) => (
              <li key={deny.name}>
                {deny.name} refuses {deny.blocks.length} of the platform&apos;s requests.
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {result.lockout.risk ? (
        <p role="alert" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950">
          {result.lockout.words}
        </p>
      ) : null}
      {result.broader.length ? (
        <div className="text-sm">
          <p className="font-medium">More than the platform needs</p>
          <ul className="ml-5 list-disc">
            {result.broader.map((item) => (
              <li key={item.words}>{item.words}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <div className="space-y-2 text-sm">
        <p className="font-medium">Corrected policy</p>
        <p>Your own statements are kept; the platform&apos;s statements for this environment are added or replaced:</p>
        <ul className="ml-5 list-disc">
          {result.changes.map((change) => (
            <li key={change}>{change}</li>
          ))}
        </ul>
        <CodeFigure code={result.correctedJson} title="Corrected key policy (save as corrected-key-policy.json)" />
        <CodeFigure code={result.putCommand} title="Command that applies the corrected policy" />
      </div>
    </section>
  );
}
