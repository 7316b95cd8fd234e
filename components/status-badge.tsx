import { cn } from "@/lib/cn";

const styles: Record<string, { label: string; className: string }> = {
  DRAFT: { label: "Draft", className: "bg-slate-100 text-slate-800 ring-slate-300" },
  PROVISIONING: { label: "Provisioning", className: "bg-blue-50 text-blue-800 ring-blue-300" },
  READY: { label: "Ready", className: "bg-green-50 text-green-800 ring-green-300" },
  FAILED: { label: "Failed", className: "bg-red-50 text-red-800 ring-red-300" },
};

/** Environment status as text (never colour alone). */
export function StatusBadge({ status }: { status: string }) {
  const style = styles[status] ?? { label: status, className: "bg-slate-100 text-slate-800 ring-slate-300" };
  return (
    <span className={cn("inline-flex items-center rounded-full px-2.5 py-0.5 text-xs font-semibold ring-1 ring-inset", style.className)}>
      {style.label}
    </span>
  );
}
