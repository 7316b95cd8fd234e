import { cn } from "@/lib/cn";
import { ENVIRONMENT_STATUS_LABELS, labelFor } from "@/lib/labels";

const neutral = "bg-slate-100 text-slate-800 ring-slate-300";
const colours: Record<string, string> = {
  DRAFT: neutral,
  PROVISIONING: "bg-blue-50 text-blue-800 ring-blue-300",
  READY: "bg-green-50 text-green-800 ring-green-300",
  FAILED: "bg-red-50 text-red-800 ring-red-300",
};

/** Environment status as text (never colour alone). */
export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={cn("inline-flex items-center rounded-full px-2.5 py-0.5 text-xs font-semibold ring-1 ring-inset", colours[status] ?? neutral)}>
      {labelFor(ENVIRONMENT_STATUS_LABELS, status)}
    </span>
  );
}
