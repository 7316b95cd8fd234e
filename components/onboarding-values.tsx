import { CopyButton } from "@/components/copy-button";

/** The values a customer copies into AWS, each with its own copy button. */
export function OnboardingValues({ items, headingId = "onboarding-heading" }: { items: { label: string; value: string }[]; headingId?: string }) {
  return (
    <section aria-labelledby={headingId}>
      <h3 id={headingId} className="font-semibold">Onboarding values</h3>
      <dl className="mt-2 divide-y divide-slate-200 rounded-md border border-slate-200">
        {items.map((item) => (
          <div key={item.label} className="flex flex-wrap items-center justify-between gap-2 px-3 py-2">
            <dt className="text-sm font-medium text-slate-700">{item.label}</dt>
            <dd className="flex items-center gap-2">
              <span className="font-mono text-sm break-all">{item.value}</span>
              <CopyButton value={item.value} label={`Copy ${item.label}`} />
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
