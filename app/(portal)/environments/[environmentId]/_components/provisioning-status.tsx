"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef, useState, useTransition } from "react";
import { StatusBadge } from "@/components/status-badge";
import { Button } from "@/components/ui/button";
import type { ProvisioningStatusView, ProvisioningStepView } from "@/lib/environments/provisioning-status";
import { CodeFigure } from "@/components/code-figure";
import { StepRetryNotice } from "@/components/step-retry-notice";
import { STEP_RETRYING_LABEL, STEP_STATUS_LABELS } from "@/lib/labels";
import { retryProvisioningAction } from "../actions";
import { provisioningProgress } from "./provisioning-progress";
import { useProvisioningStatus } from "./use-provisioning-status";

function elapsed(step: ProvisioningStepView, now: number): string | null {
  if (!step.startedAt) return null;
  const end = step.finishedAt ? Date.parse(step.finishedAt) : now;
  const seconds = Math.max(0, Math.round((end - Date.parse(step.startedAt)) / 1000));
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
}

/** `policyCheckAnchor`: the id of the page's key policy check, linked from the failure panel (customer-managed keys only). */
export function ProvisioningStatus({ initial, policyCheckAnchor }: { initial: ProvisioningStatusView; policyCheckAnchor?: string }) {
  const router = useRouter();
  const [now, setNow] = useState(() => Date.now());
  const [retrying, startRetry] = useTransition();
  const [retryError, setRetryError] = useState<string>();
  const { data, isError } = useProvisioningStatus(initial);
  const lastStatus = useRef(initial.status);
  useEffect(() => {
    // Server-rendered parts (tenant name, next steps) follow when the status settles.
    if (data.status !== lastStatus.current) {
      lastStatus.current = data.status;
      router.refresh();
    }
  }, [data.status, router]);
  useEffect(() => {
    if (data.status !== "PROVISIONING") return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [data.status]);

  const steps = data.attempt?.steps ?? [];
  const failed = steps.find((step) => step.status === "FAILED");
  const progress = provisioningProgress(data);
  return (
    <section aria-labelledby="provisioning-heading" className="space-y-4">
      <div className="flex items-center gap-3">
        <h2 id="provisioning-heading" className="text-lg font-semibold">Provisioning</h2>
        <span data-testid="provisioning-status">
          <StatusBadge status={data.status} />
        </span>
        {data.attempt ? <span className="text-sm text-slate-600">Attempt {data.attempt.number}</span> : null}
      </div>
      {progress ? (
        <div className="space-y-1">
          <p id="provisioning-progress-text" className="text-sm font-medium text-slate-800">
            {progress.text}
          </p>
          <progress
            aria-label="Provisioning progress"
            aria-describedby="provisioning-progress-text"
            value={progress.done}
            max={progress.total}
            className="h-2 w-full overflow-hidden rounded-full bg-slate-200 [&::-moz-progress-bar]:bg-blue-700 [&::-webkit-progress-bar]:bg-slate-200 [&::-webkit-progress-value]:bg-blue-700"
          />
        </div>
      ) : null}
      {isError ? <p className="text-sm text-amber-800">Live updates paused: the status could not be fetched. Retrying…</p> : null}
      <ol aria-label="Provisioning steps" className="divide-y divide-slate-200 rounded-md border border-slate-200" aria-live="polite">
        {steps.map((step) => (
          <li key={step.key} className="space-y-1 px-4 py-3 text-sm">
            <div className="flex flex-wrap items-center justify-between gap-2">
              <span className="font-medium">{step.label}</span>
              <span className="flex items-center gap-3">
                <span className={step.status === "FAILED" ? "font-semibold text-red-800" : step.retry?.waiting ? "font-semibold text-amber-900" : "text-slate-800"}>
                  {step.retry?.waiting ? STEP_RETRYING_LABEL : STEP_STATUS_LABELS[step.status]}
                </span>
                {elapsed(step, now) ? <span className="font-mono text-xs text-slate-600">{elapsed(step, now)}</span> : null}
              </span>
            </div>
            {step.retry && step.status !== "FAILED" ? <StepRetryNotice retry={step.retry} /> : null}
          </li>
        ))}
      </ol>
      {data.status === "FAILED" && failed ? (
        <div role="alert" className="space-y-3 rounded-md border border-red-300 bg-red-50 p-4 text-sm text-red-950">
          <p className="font-semibold">{failed.explanation?.summary ?? `${failed.label} failed.`}</p>
          <div>
            <p className="font-medium">What AWS said</p>
            <p className="mt-1 rounded bg-white p-2 font-mono text-xs break-words text-slate-900">
              {failed.errorCode ? `${failed.errorCode}: ` : ""}
              {failed.errorMessage}
            </p>
            {failed.awsRequestId ? <p className="mt-1 text-xs text-slate-700">Request id: <span className="font-mono">{failed.awsRequestId}</span></p> : null}
          </div>
          {failed.explanation ? (
            <>
              <div>
                <p className="font-medium">Most likely cause</p>
                <p className="mt-1">{failed.explanation.likelyCause}</p>
              </div>
              <div>
                <p className="font-medium">How to fix it</p>
                <p className="mt-1">{failed.explanation.fix}</p>
                <div className="mt-2 space-y-2">
                  {failed.explanation.commands.map((command, index) => (
                    <CodeFigure key={command} code={command} title={`Fix command ${index + 1}`} />
                  ))}
                </div>
              </div>
            </>
          ) : null}
          {policyCheckAnchor && failed.key !== "finalize" ? (
            <p>
              To see exactly what your key policy refuses, and get a corrected policy,{" "}
              <a className="font-medium underline" href={`#${policyCheckAnchor}`}>
                check the key policy
              </a>
              . The statements and template your keys need are under{" "}
              <a className="font-medium underline" href="#key-setup">
                Key setup
              </a>
              ; a wrong key ARN can be changed under{" "}
              <a className="font-medium underline" href="#change-key-arns">
                Change key ARNs
              </a>
              .
            </p>
          ) : null}
          {retryError ? <p className="font-medium">{retryError}</p> : null}
          <Button
            variant="primary"
            disabled={retrying}
            onClick={() =>
              startRetry(async () => {
                setRetryError(undefined);
                const result = await retryProvisioningAction({ environmentId: data.environmentId });
                if (!result.ok) setRetryError(result.error);
              })
            }
          >
            {retrying ? "Retrying…" : "Retry provisioning"}
          </Button>
        </div>
      ) : null}
    </section>
  );
}
