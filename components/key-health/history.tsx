import { KEY_HEALTH_LABELS } from "@/lib/key-health/states";
import type { KeyHealthTransitionView } from "@/lib/key-health/findings";
import { CHECK_CAUSE_LABELS, utcTime } from "./format";

/** Every change of the key-health state, newest first: when, from what to what, why, and what AWS said. */
export function KeyHealthHistory({ history, headingId }: { history: KeyHealthTransitionView[]; headingId: string }) {
  return (
    <div className="space-y-2">
      <h3 id={headingId} className="font-semibold">History</h3>
      {history.length === 0 ? (
        <p className="text-sm text-slate-700">No changes yet.</p>
      ) : (
        <ol aria-labelledby={headingId} className="divide-y divide-slate-200 rounded-md border border-slate-200 text-sm">
          {history.map((transition) => (
            <li key={`${transition.createdAt}-${transition.toState}`} className="grid gap-1 px-3 py-2 sm:grid-cols-[11rem_1fr]">
              <time dateTime={transition.createdAt} className="font-mono text-xs text-slate-700">
                {utcTime(transition.createdAt)}
              </time>
              <div className="space-y-1">
                <p className="text-slate-900">
                  {KEY_HEALTH_LABELS[transition.fromState]} → <span className="font-semibold">{KEY_HEALTH_LABELS[transition.toState]}</span>
                  <span className="text-slate-700"> · {CHECK_CAUSE_LABELS[transition.cause] ?? transition.cause}</span>
                </p>
                {transition.awsError ? (
                  <p className="font-mono text-xs break-words text-slate-800">
                    {transition.awsError.code}: {transition.awsError.message}
                  </p>
                ) : null}
              </div>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
