import type { StepRetryView } from "@/lib/provisioning/retry-state";

/** "12:03:04 UTC" from an ISO time: the same text on the server and in every browser. */
function utcTime(iso: string): string {
  return `${iso.slice(11, 19)} UTC`;
}

/**
 * What a step's temporary AWS trouble looks like on screen: while it waits, the AWS reason
 * and when it tries next; afterwards, how many tries it took. Never alarming: the platform
 * keeps trying on its own and the customer has nothing to do.
 */
export function StepRetryNotice({ retry }: { retry: StepRetryView }) {
  const reason = retry.code ? `${retry.code}${retry.message ? `: ${retry.message}` : ""}` : null;
  if (retry.waiting) {
    return (
      <p className="text-xs text-amber-900">
        AWS did not complete {retry.operation ? <span className="font-mono">{retry.operation}</span> : "a request"} this time
        {reason ? (
          <>
            {" "}
            (<span className="font-mono break-words">{reason}</span>)
          </>
        ) : null}
        . This is temporary; the platform tries again on its own
        {retry.nextTryAt ? (
          <>
            {" "}
            at <time dateTime={retry.nextTryAt}>{utcTime(retry.nextTryAt)}</time>
          </>
        ) : null}{" "}
        (retry {retry.count}).
      </p>
    );
  }
  return (
    <p className="text-xs text-slate-600">
      Went through after {retry.count} {retry.count === 1 ? "retry" : "retries"} of temporary AWS errors
      {retry.code ? (
        <>
          {" "}
          (last: <span className="font-mono">{retry.code}</span>)
        </>
      ) : null}
      .
    </p>
  );
}
