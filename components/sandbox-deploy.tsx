"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, useTransition } from "react";
import { Button } from "@/components/ui/button";
import { cn } from "@/lib/cn";
import type { ActionResult } from "@/lib/pipeline/result";
import type { SandboxDeployProgress } from "@/lib/sandbox-deploy/deploy-keys";

/** Often enough to show each event as it arrives; CloudFormation itself records them seconds apart. */
const POLL_INTERVAL_MS = 1_500;

async function fetchProgress(path: string, signal: AbortSignal): Promise<SandboxDeployProgress> {
  const response = await fetch(path, { cache: "no-store", signal });
  const body = (await response.json().catch(() => null)) as (SandboxDeployProgress & { error?: string }) | null;
  if (!response.ok || body === null) throw new Error(body?.error ?? `The stack's progress could not be read (HTTP ${response.status}). Retrying…`);
  return body;
}

function time(iso: string): string {
  return iso.replace("T", " ").replace(/\.\d{3}Z$/, " UTC");
}

function statusClasses(status: string): string {
  if (/FAILED|ROLLBACK/.test(status)) return "text-red-800";
  if (/COMPLETE$/.test(status)) return "text-green-800";
  return "text-slate-700";
}

/**
 * "Deploy in the sandbox" on the wizard's keys step (sandbox mode only): for demos where nobody
 * types commands. `deploy` creates the stack as the sandbox's customer; the component then polls
 * the stack's progress, lists its events as they arrive and, once the stack is complete, shows the
 * onboarding payload with "Use these keys", which hands both ARNs to the key-ARN step's own
 * action (`submitKeys`), checked exactly like a pasted payload.
 */
export function SandboxDeploy({
  environmentId,
  stackName,
  cliEndpointUrl,
  deploy,
  submitKeys,
}: {
  environmentId: string;
  stackName: string;
  /** The sandbox's URL, as the commands above show it. */
  cliEndpointUrl: string;
  deploy: (input: unknown) => Promise<ActionResult<SandboxDeployProgress>>;
  submitKeys: (input: { environmentId: string; s3KeyArn: string; rdsKeyArn: string }) => Promise<ActionResult<unknown>>;
}) {
  const ids = useId();
  const queryClient = useQueryClient();
  const pollPath = `/api/environments/${environmentId}/sandbox-deploy`;
  const queryKey = ["sandbox-deploy", environmentId];
  const [started, setStarted] = useState(false);
  const [deploying, startDeploy] = useTransition();
  const [deployError, setDeployError] = useState<string>();
  const [submitting, startSubmit] = useTransition();
  const [submitError, setSubmitError] = useState<string>();

  const { data: progress, error: pollError } = useQuery({
    queryKey,
    queryFn: ({ signal }) => fetchProgress(pollPath, signal),
    enabled: started,
    // The action's answer is fresh: only a stack still in progress is fetched again.
    staleTime: Number.POSITIVE_INFINITY,
    refetchInterval: (query) => (query.state.data?.phase === "in-progress" || query.state.status === "error" ? POLL_INTERVAL_MS : false),
  });

  function onDeploy() {
    startDeploy(async () => {
      setDeployError(undefined);
      setSubmitError(undefined);
      const result = await deploy({ environmentId });
      if (!result.ok) {
        setDeployError(result.error);
        return;
      }
      await queryClient.cancelQueries({ queryKey });
      queryClient.setQueryData(queryKey, result.data);
      setStarted(true);
    });
  }

  function onUseKeys(payload: NonNullable<SandboxDeployProgress["payload"]>) {
    startSubmit(async () => {
      setSubmitError(undefined);
      // Redirects to the review step when the key-ARN step accepts both keys.
      const result = await submitKeys({ environmentId, s3KeyArn: payload.s3KeyArn, rdsKeyArn: payload.rdsKeyArn });
      if (!result.ok) setSubmitError([result.error, ...Object.values(result.fieldErrors).flat()].join(" "));
    });
  }

  const headingId = `${ids}-heading`;
  const busy = deploying || progress?.phase === "in-progress";
  const events = progress?.events ?? [];
  const payload = progress?.phase === "complete" ? progress.payload : null;
  return (
    <section aria-labelledby={headingId} className="space-y-3 rounded-md border border-amber-300 bg-amber-50 p-4" data-testid="sandbox-deploy">
      <h4 id={headingId} className="font-semibold">Deploy in the sandbox</h4>
      <p className="text-sm text-slate-700">
        The portal runs against the local AWS sandbox at <span className="font-mono">{cliEndpointUrl}</span>. Instead of running the
        commands above, let the portal create the stack <span className="font-mono">{stackName}</span> for you, as the sandbox&apos;s
        customer (access key <span className="font-mono">customer</span>, account <span className="font-mono">123456789012</span>), with
        the same template and parameters.
      </p>
      <div className="flex flex-wrap items-center gap-3">
        <Button variant="secondary" disabled={busy || submitting} onClick={onDeploy}>
          {deploying ? "Deploying…" : "Deploy in the sandbox"}
        </Button>
        <p role="status" className="text-sm text-slate-700">
          {deploying
            ? "Creating the stack in the sandbox…"
            : progress?.phase === "in-progress"
              ? `The stack is ${progress.stackStatus ?? "being created"}…`
              : progress?.phase === "complete"
                ? `The stack is ${progress.stackStatus ?? "complete"}.`
                : ""}
        </p>
      </div>
      {deployError ? (
        <p role="alert" className="text-sm font-medium text-red-800">
          {deployError}
        </p>
      ) : null}
      {pollError && started ? <p className="text-sm text-amber-800">{pollError.message}</p> : null}

      {events.length > 0 ? (
        <div className="overflow-x-auto">
          <table className="min-w-full text-left text-xs" aria-label="Stack events">
            <thead>
              <tr className="border-b border-amber-300">
                <th scope="col" className="py-1 pr-3 font-medium">Time</th>
                <th scope="col" className="py-1 pr-3 font-medium">Resource</th>
                <th scope="col" className="py-1 pr-3 font-medium">Type</th>
                <th scope="col" className="py-1 pr-3 font-medium">Status</th>
                <th scope="col" className="py-1 font-medium">Reason</th>
              </tr>
            </thead>
            <tbody aria-live="polite">
              {events.map((event) => (
                <tr key={event.id} className="border-b border-amber-200 align-top">
                  <td className="py-1 pr-3 font-mono whitespace-nowrap">{time(event.at)}</td>
                  <td className="py-1 pr-3 font-mono">{event.logicalId}</td>
                  <td className="py-1 pr-3 font-mono">{event.resourceType}</td>
                  <td className={cn("py-1 pr-3 font-mono", statusClasses(event.status))}>{event.status}</td>
                  <td className="py-1 break-all">{event.reason ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}

      {progress?.phase === "failed" && progress.problem ? (
        <p role="alert" className="text-sm font-medium text-red-800">
          {progress.problem}
        </p>
      ) : null}

      {payload ? (
        <div className="space-y-2">
          <p className="text-sm font-medium" id={`${ids}-payload`}>
            Onboarding payload from the stack&apos;s outputs
          </p>
          <pre aria-labelledby={`${ids}-payload`} data-testid="sandbox-payload" className="overflow-x-auto rounded-md border border-slate-300 bg-white p-2 font-mono text-xs">
            {payload.text}
          </pre>
          <dl className="grid grid-cols-1 gap-1 text-xs sm:grid-cols-[auto_1fr]">
            <dt className="font-medium">S3 key ARN</dt>
            <dd className="font-mono break-all">{payload.s3KeyArn}</dd>
            <dt className="font-medium">RDS key ARN</dt>
            <dd className="font-mono break-all">{payload.rdsKeyArn}</dd>
          </dl>
          {submitError ? (
            <p role="alert" className="text-sm font-medium text-red-800">
              {submitError}
            </p>
          ) : null}
          <Button disabled={submitting} onClick={() => onUseKeys(payload)}>
            {submitting ? "Checking…" : "Use these keys"}
          </Button>
        </div>
      ) : null}
    </section>
  );
}
