"use client";

import { useState, useTransition } from "react";
import { KEY_ACCESS_LABELS } from "@/lib/labels";
import type { KeyAccessMode } from "@/lib/environments/schemas";
import { chooseKeyAccessAction } from "../actions";
import { FormError } from "./form-error";

/**
 * "How the platform reaches your keys" on the keys step. Each choice is saved at once (the page
 * then shows that mode's instructions); switching forgets ARNs given for the other mode.
 */
export function KeyAccessChoice({ draftId, current, brandName }: { draftId: string; current: KeyAccessMode; brandName: string }) {
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string>();
  const [selected, setSelected] = useState<KeyAccessMode>(current);
  function choose(mode: KeyAccessMode) {
    setSelected(mode);
    startTransition(async () => {
      setError(undefined);
      const result = await chooseKeyAccessAction({ environmentId: draftId, keyAccess: mode });
      if (!result.ok) {
        setError(result.error);
        setSelected(current);
      }
    });
  }
  const option = "flex gap-3 rounded-md border border-slate-300 p-4 has-[:checked]:border-blue-700 has-[:checked]:bg-blue-50";
  return (
    <div className="space-y-3">
      <FormError message={error} />
      <fieldset aria-busy={pending}>
        <legend className="mb-3 font-semibold">How the platform reaches your keys</legend>
        <div className="grid gap-3 md:grid-cols-2">
          <label className={option}>
            <input type="radio" name="keyAccess" value="KEY_POLICY" className="mt-1" checked={selected === "KEY_POLICY"} disabled={pending} onChange={() => choose("KEY_POLICY")} />
            <span>
              <span className="block font-medium">{KEY_ACCESS_LABELS.KEY_POLICY}</span>
              <span className="block text-sm text-slate-700">
                Two keys, one for object storage and one for the database. Their key policies name {brandName}&apos;s platform
                role, pinned to this environment; S3 and Aurora use the keys directly.
              </span>
            </span>
          </label>
          <label className={option}>
            <input type="radio" name="keyAccess" value="ROLE" className="mt-1" checked={selected === "ROLE"} disabled={pending} onChange={() => choose("ROLE")} />
            <span>
              <span className="block font-medium">{KEY_ACCESS_LABELS.ROLE}</span>
              <span className="block text-sm text-slate-700">
                One key and an IAM role in your account that only {brandName}&apos;s platform may assume, only with your
                organization&apos;s External ID. No foreign principal in any key policy.
              </span>
            </span>
          </label>
        </div>
      </fieldset>
      <p role="status" className="text-sm text-slate-600">{pending ? "Saving your choice…" : ""}</p>
    </div>
  );
}
