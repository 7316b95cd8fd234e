import { utcTime } from "@/components/key-health/format";
import { Card } from "@/components/ui/card";
import type { LogForwardingStatus as Status } from "@/lib/key-use-log/status";

const plural = (count: number, noun: string) => `${count.toLocaleString("en-US")} ${noun}${count === 1 ? "" : "s"}`;

/**
 * The "Key-use log forwarding" section of an environment page (issue #15 item 6): where the
 * platform sends its key-use events, when it last delivered some, how many wait, and the last
 * problem in the customer's words. A server component: the page loads the status with
 * readLogForwarding and passes it in.
 */
export function LogForwardingStatus({ status }: { status: Status }) {
  const headingId = `log-forwarding-${status.environmentId}`;
  return (
    <Card aria-labelledby={headingId} role="region">
      <h2 id={headingId} className="text-lg font-semibold text-slate-900">
        Key-use log forwarding
      </h2>
      {status.logGroupArn === null ? (
        <p className="mt-2 text-sm text-slate-700">
          Not set up. The platform can send one event per use of your keys to a CloudWatch Logs log group of yours.
        </p>
      ) : (
        <>
          <dl className="mt-3 grid gap-3 text-sm sm:grid-cols-2">
            <div className="sm:col-span-2">
              <dt className="font-medium text-slate-700">Log group</dt>
              <dd className="font-mono break-all">{status.logGroupArn}</dd>
            </div>
            <div className="sm:col-span-2">
              <dt className="font-medium text-slate-700">Log role</dt>
              <dd className="font-mono break-all">{status.logRoleArn ?? "Not set"}</dd>
            </div>
          </dl>
          <p className="mt-3 text-sm text-slate-800">
            {status.lastDeliveredAt === null
              ? "Last delivery: none yet"
              : `Last delivery: ${utcTime(status.lastDeliveredAt)}, ${plural(status.lastDeliveredCount, "event")}`}
          </p>
          <p className="text-sm text-slate-800">Waiting to be sent: {plural(status.pendingCount, "event")}</p>
          {status.lastError === null ? null : (
            <div role="alert" className="mt-4 rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-800">
              <p className="font-medium">
                {status.failures > 0 ? `The last ${status.failures === 1 ? "attempt" : plural(status.failures, "attempt")} failed` : "Note from the last delivery"}
                {status.lastErrorAt === null ? "" : ` (${utcTime(status.lastErrorAt)})`}
              </p>
              <p className="mt-1">{status.lastError}</p>
              {status.failures > 0 && status.nextAttemptAt !== null ? (
                <p className="mt-1 text-red-700">No event is lost: the platform tries again at {utcTime(status.nextAttemptAt)}.</p>
              ) : null}
            </div>
          )}
        </>
      )}
    </Card>
  );
}
