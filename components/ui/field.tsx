import type { ReactNode } from "react";

/** A labelled form field with its hint and error, wired for screen readers. */
export function Field({
  id,
  label,
  hint,
  errors,
  children,
}: {
  id: string;
  label: string;
  hint?: ReactNode;
  errors?: string[] | undefined;
  children: ReactNode;
}) {
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      {hint ? (
        <p id={`${id}-hint`} className="text-sm text-slate-600">
          {hint}
        </p>
      ) : null}
      {children}
      {errors && errors.length > 0 ? (
        <p id={`${id}-error`} role="alert" className="text-sm text-red-700">
          {errors.join(" ")}
        </p>
      ) : null}
    </div>
  );
}

/** A field control's ARIA wiring: described by its hint and, while invalid, by its error message. */
export function fieldAria(id: string, { hint, invalid }: { hint: boolean; invalid: boolean }) {
  const describedBy = [hint ? `${id}-hint` : undefined, invalid ? `${id}-error` : undefined].filter(Boolean).join(" ");
  return { "aria-invalid": invalid ? true : undefined, "aria-describedby": describedBy || undefined };
}
