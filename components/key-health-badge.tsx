import type { KeyHealthState } from "@/generated/prisma/enums";
import { cn } from "@/lib/cn";
import { KEY_HEALTH_LABELS, ROTATION_OFF_LABEL } from "@/lib/key-health/states";

const badge = "inline-flex items-center rounded-full px-2.5 py-0.5 text-xs font-semibold ring-1 ring-inset";
const colours: Record<KeyHealthState, string> = {
  UNKNOWN: "bg-slate-100 text-slate-800 ring-slate-300",
  HEALTHY: "bg-green-50 text-green-800 ring-green-300",
  // Temporary and never the customer's doing: a warning, not an error.
  AWS_UNREACHABLE: "bg-amber-50 text-amber-900 ring-amber-300",
  PENDING_DELETION: "bg-red-50 text-red-800 ring-red-300",
  KEY_DISABLED: "bg-red-50 text-red-800 ring-red-300",
  ACCESS_DENIED: "bg-red-50 text-red-800 ring-red-300",
  KEY_NOT_FOUND: "bg-red-50 text-red-800 ring-red-300",
};

/** The badge classes of a state, and of the Rotation off warning (the Key health region uses them too). */
export const keyHealthBadgeClasses = (state: KeyHealthState) => cn(badge, colours[state]);
export const rotationOffBadgeClasses = cn(badge, "bg-white text-amber-900 ring-amber-400");

/** A key-health state in words (colour only repeats them), with the "Rotation off" warning beside it. */
export function KeyHealthBadge({ state, rotationOff = false }: { state: KeyHealthState; rotationOff?: boolean }) {
  return (
    <span className="inline-flex flex-wrap items-center gap-1">
      <span className={keyHealthBadgeClasses(state)}>{KEY_HEALTH_LABELS[state]}</span>
      {rotationOff ? <span className={rotationOffBadgeClasses}>{ROTATION_OFF_LABEL}</span> : null}
    </span>
  );
}
