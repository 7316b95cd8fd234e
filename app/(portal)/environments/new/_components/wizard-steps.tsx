import Link from "next/link";
import { cn } from "@/lib/cn";
import { applicableSteps, type WizardStep } from "@/lib/environments/schemas";
import { WIZARD_STEP_LABELS } from "@/lib/labels";

/** The wizard's progress; steps already reachable are links. */
export function WizardSteps({
  current,
  encryptionMode,
  reachable,
  draftId,
}: {
  current: WizardStep;
  encryptionMode: "VENDOR_MANAGED" | "CUSTOMER_MANAGED" | null;
  reachable: WizardStep[];
  draftId: string | null;
}) {
  // Until the mode is chosen, every step is shown.
  const steps = applicableSteps(encryptionMode ?? "CUSTOMER_MANAGED");
  return (
    <nav aria-label="Wizard steps">
      <ol className="flex flex-wrap gap-2 text-sm">
        {steps.map((step, index) => {
          const isCurrent = step === current;
          const canVisit = draftId !== null && reachable.includes(step) && !isCurrent;
          const content = (
            <>
              <span className="font-mono">{index + 1}.</span> {WIZARD_STEP_LABELS[step]}
            </>
          );
          return (
            <li key={step}>
              {canVisit ? (
                <Link href={`/environments/new/${draftId}/${step}`} className="block rounded-full border border-slate-300 bg-white px-3 py-1 text-blue-800 underline">
                  {content}
                </Link>
              ) : (
                <span
                  aria-current={isCurrent ? "step" : undefined}
                  className={cn(
                    "block rounded-full border px-3 py-1",
                    isCurrent ? "border-blue-700 bg-blue-700 text-white" : "border-slate-300 bg-white text-slate-600",
                  )}
                >
                  {content}
                </span>
              )}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
