"use client";

import { keyHealthBadgeClasses, rotationOffBadgeClasses } from "@/components/key-health-badge";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, useSyncExternalStore, useTransition } from "react";
import { CodeFigure } from "@/components/code-figure";
import { Button } from "@/components/ui/button";
import { cn } from "@/lib/cn";
import type { KeyHealthState } from "@/generated/prisma/enums";
import type { KeyHealthSnapshot } from "@/lib/key-health/findings";
import { KEY_HEALTH_LABELS, ROTATION_OFF_LABEL } from "@/lib/key-health/states";
import type { KeyHealthEncryptionContext } from "@/lib/key-health/for-caller";
import type { ActionResult } from "@/lib/pipeline/result";
import { KEY_KIND_LABELS, utcTime, type KeyHealthKey } from "./key-health/format";
import { KeyHealthHistory } from "./key-health/history";
import { StateGuidance } from "./key-health/state-guidance";
import { TraceKeyUse } from "./key-health/trace";

export type { KeyHealthKey } from "./key-health/format";

const noSubscription = () => () => undefined;
/** False in the server's HTML, true once React runs in the browser: a click before that would do nothing. */
function useHydrated(): boolean {
  return useSyncExternalStore(noSubscription, () => true, () => false);
}

/** Often enough that a scheduled check's result shows within seconds, without a reload. */
const POLL_INTERVAL_MS = 10_000;


async function fetchSnapshot(path: string, signal: AbortSignal): Promise<KeyHealthSnapshot | null> {
  const response = await fetch(path, { cache: "no-store", signal });
  if (!response.ok) throw new Error(`key health ${response.status}`);
  return (await response.json()) as KeyHealthSnapshot | null;
}

/**
 * The Key health region (F9) of an environment page, customer and support alike: the current
 * state in words, when it was checked, what it means and the commands that fix it, the history
 * of changes, and "Check now". It polls `pollPath` so a scheduled check's result appears
 * without a reload; `checkNow` is the page's server action (rate-limited by the service).
 */
export function KeyHealth({
  environmentId,
  initial,
  keys,
  encryptionContext,
  pollPath,
  checkNow,
  policyCheckAnchor,
}: {
  environmentId: string;
  initial: KeyHealthSnapshot | null;
  /** Both keys with their commands, built on the server. */
  keys: KeyHealthKey[];
  /** The encryption context the platform sends with its S3 uses of the keys. */
  encryptionContext: KeyHealthEncryptionContext;
  pollPath: string;
  checkNow: (input: unknown) => Promise<ActionResult<KeyHealthSnapshot>>;
  /** The id of the page's key policy check, linked from `Access denied` (customer page only). */
  policyCheckAnchor?: string;
}) {
  const ids = useId();
  const queryClient = useQueryClient();
  const queryKey = ["key-health", environmentId, pollPath];
  const { data: snapshot, isError } = useQuery({
    queryKey,
    queryFn: ({ signal }) => fetchSnapshot(pollPath, signal),
    initialData: initial,
    refetchInterval: POLL_INTERVAL_MS,
  });
  const hydrated = useHydrated();
  const [checking, startCheck] = useTransition();
  const [checkMessage, setCheckMessage] = useState<{ ok: boolean; text: string }>();

  function onCheckNow() {
    startCheck(async () => {
      setCheckMessage(undefined);
      const result = await checkNow({ environmentId });
      if (!result.ok) {
        setCheckMessage({ ok: false, text: result.error });
        return;
      }
      // A poll that left before this check finished must not put the older snapshot back.
      await queryClient.cancelQueries({ queryKey });
      queryClient.setQueryData(queryKey, result.data);
      setCheckMessage({ ok: true, text: `Checked at ${result.data.checkedAt ? utcTime(result.data.checkedAt) : "just now"}.` });
    });
  }

  const state: KeyHealthState = snapshot?.state ?? "UNKNOWN";
  const rotationOffKinds = snapshot?.findings.keys.filter((key) => key.rotationEnabled === false).map((key) => key.kind) ?? [];
  const missingPreflight = snapshot?.findings.keys.filter((key) => key.preflight === "not-allowed") ?? [];
  const headingId = `${ids}-heading`;
  return (
    <section aria-labelledby={headingId} className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div className="flex flex-wrap items-center gap-3">
          <h2 id={headingId} className="text-lg font-semibold">Key health</h2>
          <span className={keyHealthBadgeClasses(state)} data-testid="key-health-state" aria-live="polite">
            {KEY_HEALTH_LABELS[state]}
          </span>
          {snapshot?.rotationOff ? (
            <span className={rotationOffBadgeClasses} data-testid="key-health-rotation">
              {ROTATION_OFF_LABEL}
            </span>
          ) : null}
        </div>
        <Button variant="secondary" disabled={checking || !hydrated} onClick={onCheckNow}>
          {checking ? "Checking…" : "Check now"}
        </Button>
      </div>
      <p role="status" className={cn("text-sm", checkMessage?.ok === false ? "font-medium text-red-800" : "text-slate-700")}>
        {checking ? "Checking the keys now…" : (checkMessage?.text ?? "")}
      </p>
      {isError ? <p className="text-sm text-amber-800">Live updates paused: key health could not be fetched. Retrying…</p> : null}

      <dl className="grid grid-cols-1 gap-3 text-sm sm:grid-cols-3">
        <div>
          <dt className="font-medium text-slate-700">Last checked</dt>
          <dd className="font-mono text-xs" data-testid="key-health-checked-at">{snapshot?.checkedAt ? utcTime(snapshot.checkedAt) : "Not yet"}</dd>
        </div>
        <div>
          <dt className="font-medium text-slate-700">Next check</dt>
          <dd className="font-mono text-xs">{snapshot ? utcTime(snapshot.nextCheckAt) : "Soon"}</dd>
        </div>
        <div>
          <dt className="font-medium text-slate-700">In this state since</dt>
          <dd className="font-mono text-xs">{snapshot && snapshot.state !== "UNKNOWN" ? utcTime(snapshot.stateSince) : "—"}</dd>
        </div>
      </dl>

      <div className={cn("space-y-3 rounded-md border p-4", state === "HEALTHY" || state === "UNKNOWN" ? "border-slate-200" : state === "AWS_UNREACHABLE" ? "border-amber-300 bg-amber-50" : "border-red-300 bg-red-50")}>
        <StateGuidance snapshot={snapshot} keys={keys} policyCheckAnchor={policyCheckAnchor} />
      </div>

      {snapshot && snapshot.state !== "AWS_UNREACHABLE" && snapshot.unreachableCount > 0 ? (
        <p className="text-sm text-slate-700">
          The last check could not reach AWS, which is temporary and not caused by your keys; the state above is from the check before. Checks
          continue automatically.
        </p>
      ) : null}

      {rotationOffKinds.length > 0 ? (
        <div className="space-y-2 rounded-md border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950">
          <p>
            <span className="font-semibold">{ROTATION_OFF_LABEL}:</span> automatic rotation is off on the{" "}
            {rotationOffKinds.map((kind) => KEY_KIND_LABELS[kind]).join(" and ")}. We recommend turning it on; the platform keeps working either way.
          </p>
          {rotationOffKinds.map((kind) => {
            const command = keys.find((key) => key.kind === kind)?.commands.enableRotation;
            return command ? <CodeFigure key={kind} code={command} title={`Turn on rotation for the ${KEY_KIND_LABELS[kind]}`} /> : null;
          })}
        </div>
      ) : null}

      {missingPreflight.length > 0 || (snapshot?.findings.notes.length ?? 0) > 0 ? (
        <ul className="list-disc space-y-1 pl-5 text-sm text-slate-700">
          {missingPreflight.map((key) => (
            <li key={key.kind}>
              The {KEY_KIND_LABELS[key.kind]}&apos;s policy has no preflight statement (<span className="font-mono">AllowPlatformKeyPreflight</span>) for
              this environment, so the check could not read the key&apos;s state or rotation and judged it by using it. Add the statement to see both.
            </li>
          ))}
          {snapshot?.findings.notes.map((note) => <li key={note}>{note}</li>)}
        </ul>
      ) : null}

      <KeyHealthHistory history={snapshot?.history ?? []} headingId={`${ids}-history`} />
      <TraceKeyUse keys={keys} encryptionContext={encryptionContext} environmentId={environmentId} headingId={`${ids}-trace`} />
    </section>
  );
}
