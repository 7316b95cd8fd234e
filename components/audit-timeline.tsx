import type { TimelineEntry } from "@/lib/audit/timeline";

/** The audit timeline, newest first: who did what, when and from where. */
export function AuditTimeline({ entries, title = "Audit timeline", showEnvironment = false }: { entries: TimelineEntry[]; title?: string; showEnvironment?: boolean }) {
  return (
    <section aria-labelledby="audit-timeline-heading" className="space-y-3">
      <h2 id="audit-timeline-heading" className="text-lg font-semibold">{title}</h2>
      {entries.length === 0 ? (
        <p className="text-sm text-slate-700">Nothing recorded yet.</p>
      ) : (
        <ol className="divide-y divide-slate-200 rounded-md border border-slate-200 text-sm" data-testid="audit-timeline">
          {entries.map((entry) => (
            <li key={entry.id} className="grid gap-1 px-3 py-2 sm:grid-cols-[11rem_1fr]">
              <time dateTime={entry.at.toISOString()} className="font-mono text-xs text-slate-700">
                {entry.at.toISOString().replace("T", " ").slice(0, 19)} UTC
              </time>
              <div>
                <p className="break-words text-slate-900">{entry.summary}</p>
                <p className="text-xs text-slate-700">
                  {entry.actorType === "support" ? "Vendor support: " : ""}
                  {entry.actor}
                  {entry.ipAddress ? ` · from ${entry.ipAddress}` : ""}
                  {showEnvironment && entry.environmentName ? ` · ${entry.environmentName}` : ""}
                </p>
              </div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
