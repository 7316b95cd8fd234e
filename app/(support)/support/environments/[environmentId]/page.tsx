import type { Metadata } from "next";
import Link from "next/link";
import { AuditTimeline } from "@/components/audit-timeline";
import { KeyArnSummary } from "@/components/key-arn-summary";
import { StatusBadge } from "@/components/status-badge";
import { buttonClasses } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { TableHead } from "@/components/ui/table";
import { forPage } from "@/lib/auth/guards";
import { StepRetryNotice } from "@/components/step-retry-notice";
import {
  ATTEMPT_STATUS_LABELS,
  ATTEMPT_TRIGGER_LABELS,
  CLEANUP_STATUS_LABELS,
  ENCRYPTION_MODE_LABELS,
  KEY_ACCESS_LABELS,
  labelFor,
  PROVISIONING_STEP_LABELS,
  STEP_RETRYING_LABEL,
  STEP_STATUS_LABELS,
} from "@/lib/labels";
import { explainProvisioningFailure, keyDiagnosisOf } from "@/lib/provisioning/explain";
import { stepRetryView } from "@/lib/provisioning/retry-state";
import { keyHealthRegion } from "@/lib/key-health/for-caller";
import { TIMELINE_FILTERS } from "@/lib/audit/timeline";
import { getSupportEnvironment } from "@/lib/support/console";
import { cliEndpointOption } from "@/lib/sandbox-deploy/mode";
import { firstValues } from "@/lib/support/tenant-query";
import { NoteForm } from "../../_components/note-form";
import { NotesList } from "../../_components/notes-list";
import { SupportRetryForm } from "../../_components/retry-form";
import { SupportKeyHealth } from "./_components/support-key-health";

export const metadata: Metadata = { title: "Environment (support)" };

type StepRow = Parameters<typeof stepRetryView>[0] & { key: string; awsService: string | null; errorCode: string | null; errorMessage: string | null; output: unknown };
type EnvironmentKeys = { region: string; s3KeyArn: string | null; rdsKeyArn: string | null };

/** The step's final AWS error with what the customer was told about it, and the temporary ones it tried again (or is waiting to). */
function StepAwsOutcome({ step, environment }: { step: StepRow; environment: EnvironmentKeys }) {
  const retry = stepRetryView(step);
  if (!step.errorCode && !retry) return <>—</>;
  const explanation = step.errorCode
    ? explainProvisioningFailure({
        stepKey: step.key,
        awsService: step.awsService,
        errorCode: step.errorCode,
        errorMessage: step.errorMessage,
        ...environment,
        keyDiagnosis: keyDiagnosisOf(step.output),
        ...cliEndpointOption(),
      })
    : null;
  return (
    <>
      {step.errorCode ? (
        <p>
          <span className="font-mono font-semibold">{step.errorCode}</span>: {step.errorMessage}
        </p>
      ) : null}
      {explanation ? (
        <p className="mt-1 text-slate-700">
          <span className="font-semibold">The customer reads:</span> {explanation.summary} {explanation.likelyCause}
        </p>
      ) : null}
      {retry ? <StepRetryNotice retry={retry} /> : null}
    </>
  );
}

const time = (date: Date | null) => (date ? `${date.toISOString().replace("T", " ").slice(0, 19)} UTC` : "—");
function duration(start: Date | null, end: Date | null): string {
  if (!start || !end) return "—";
  const seconds = Math.round((end.getTime() - start.getTime()) / 1000);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
}

export default async function SupportEnvironmentPage({
  params,
  searchParams,
}: {
  params: Promise<{ environmentId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const ref = await params;
  const { events, before } = firstValues(await searchParams);
  const { environment, externalIdIssued, timeline, timelinePage, keyHealth } = await forPage("support", async (caller) => {
    const loaded = await getSupportEnvironment(caller, ref, { events, before });
    const watched = loaded.environment.encryptionMode === "CUSTOMER_MANAGED" && loaded.environment.status === "READY";
    return { ...loaded, keyHealth: watched ? await keyHealthRegion(loaded.environment) : null };
  });
  return (
    <div className="space-y-6">
      <p>
        <Link href={`/support/tenants/${environment.organization.id}`} className="text-sm text-blue-700 underline">
          {environment.organization.name}
        </Link>
      </p>
      <div className="flex items-center gap-3">
        <h1 className="text-2xl font-semibold">{environment.name}</h1>
        <StatusBadge status={environment.status} />
        {environment.deletedAt ? <span className="rounded-full bg-slate-200 px-2.5 py-0.5 text-xs font-semibold text-slate-800">Deleted</span> : null}
      </div>
      <Card>
        <dl className="grid grid-cols-1 gap-4 text-sm sm:grid-cols-2">
          <div><dt className="font-medium text-slate-700">Environment id</dt><dd className="font-mono">{environment.id}</dd></div>
          <div><dt className="font-medium text-slate-700">Tenant name</dt><dd className="font-mono">{environment.tenantName ?? "—"}</dd></div>
          <div><dt className="font-medium text-slate-700">Region</dt><dd className="font-mono">{environment.region}</dd></div>
          <div><dt className="font-medium text-slate-700">Encryption</dt><dd>{ENCRYPTION_MODE_LABELS[environment.encryptionMode]}</dd></div>
          <div><dt className="font-medium text-slate-700">Created by</dt><dd>{environment.createdBy.name} ({environment.createdBy.email}), {time(environment.createdAt)}</dd></div>
          {environment.encryptionMode === "CUSTOMER_MANAGED" ? (
            <div><dt className="font-medium text-slate-700">How the platform reaches the keys</dt><dd>{KEY_ACCESS_LABELS[environment.keyAccess]}</dd></div>
          ) : null}
          {environment.keyAccess === "ROLE" ? (
            <>
              <div><dt className="font-medium text-slate-700">Role ARN</dt><dd className="font-mono break-all">{environment.roleArn ?? "—"}</dd></div>
              <div>
                <dt className="font-medium text-slate-700">External ID</dt>
                <dd>{externalIdIssued ? "Issued (only the customer's organization can see its value)" : "Not issued yet"}</dd>
              </div>
              {environment.s3KeyArn ? <KeyArnSummary label="Key ARN" arn={environment.s3KeyArn} /> : null}
            </>
          ) : (
            <>
              {environment.s3KeyArn ? <KeyArnSummary label="S3 key ARN" arn={environment.s3KeyArn} /> : null}
              {environment.rdsKeyArn ? <KeyArnSummary label="RDS key ARN" arn={environment.rdsKeyArn} /> : null}
            </>
          )}
          {environment.logGroupArn ? (
            <div className="sm:col-span-2"><dt className="font-medium text-slate-700">Key-use log forwarding</dt><dd className="font-mono break-all">{environment.logGroupArn}</dd></div>
          ) : null}
        </dl>
      </Card>
      {keyHealth ? (
        <Card>
          <SupportKeyHealth environmentId={environment.id} initial={keyHealth.snapshot} keys={keyHealth.keys} encryptionContext={keyHealth.encryptionContext} />
        </Card>
      ) : null}
      {environment.deletedAt ? (
        <Card>
          <p role="status" className="font-medium">
            Deleted by the customer on {time(environment.deletedAt)}.{" "}
            {environment.cleanupStatus ? `Removing what the platform made: ${labelFor(CLEANUP_STATUS_LABELS, environment.cleanupStatus)}.` : "Nothing was made in AWS."}
          </p>
          {environment.cleanupError ? <p className="mt-1 text-sm text-red-800">{environment.cleanupError}</p> : null}
        </Card>
      ) : null}
      {(environment.status === "FAILED" || environment.status === "PROVISIONING") && !environment.deletedAt ? (
        <Card className="space-y-2">
          <h2 className="text-lg font-semibold">Retry</h2>
          <p className="text-sm text-slate-700">
            {environment.status === "FAILED"
              ? "Queues a new attempt that resumes from the failed step. Recorded in the audit log with your name."
              : "Provisioning is under way; a retry is possible once it has failed."}
          </p>
          <SupportRetryForm environmentId={environment.id} enabled={environment.status === "FAILED"} />
        </Card>
      ) : null}
      <Card className="space-y-4">
        <h2 className="text-lg font-semibold">Provisioning attempts</h2>
        {environment.provisioningAttempts.length === 0 ? <p className="text-sm text-slate-700">Not submitted yet.</p> : null}
        {environment.provisioningAttempts.map((attempt) => (
          <section key={attempt.id} aria-label={`Attempt ${attempt.number}`} className="rounded-md border border-slate-200">
            <header className="flex flex-wrap items-center gap-3 border-b border-slate-200 px-3 py-2 text-sm">
              <span className="font-semibold">Attempt {attempt.number}</span>
              <span>{labelFor(ATTEMPT_STATUS_LABELS, attempt.status)}</span>
              <span className="text-slate-700">
                {labelFor(ATTEMPT_TRIGGER_LABELS, attempt.trigger)}
                {attempt.requestedBy ? ` by ${attempt.requestedBy.email}` : ""} · started {time(attempt.startedAt)} · {duration(attempt.startedAt, attempt.finishedAt)}
              </span>
            </header>
            <div className="overflow-x-auto" tabIndex={0} role="group" aria-label={`Steps of attempt ${attempt.number}`}>
              <table className="w-full text-left text-xs">
              <TableHead columns={["Step", "State", "Tries", "Took", "AWS error", "Request id"]} compact />
              <tbody>
                {attempt.steps.map((step) => (
                  <tr key={step.id} className="border-t border-slate-100 align-top">
                    <td className="px-3 py-2">{labelFor(PROVISIONING_STEP_LABELS, step.key)}</td>
                    <td className="px-3 py-2">
                      {stepRetryView(step)?.waiting ? STEP_RETRYING_LABEL : labelFor(STEP_STATUS_LABELS, step.status)}
                    </td>
                    <td className="px-3 py-2">
                      {step.tries}
                      {step.retryCount > 0 ? ` (${step.retryCount} AWS ${step.retryCount === 1 ? "retry" : "retries"})` : ""}
                    </td>
                    <td className="px-3 py-2">{duration(step.startedAt, step.finishedAt)}</td>
                    <td className="px-3 py-2 break-words">
                      <StepAwsOutcome step={step} environment={environment} />
                    </td>
                    <td className="px-3 py-2 font-mono">{step.awsRequestId ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
              </table>
            </div>
          </section>
        ))}
      </Card>
      <Card className="space-y-3">
        <h2 className="text-lg font-semibold">Internal notes</h2>
        <NotesList notes={environment.supportNotes} />
        <NoteForm organizationId={environment.organization.id} environmentId={environment.id} />
      </Card>
      <Card className="space-y-3">
        <form method="get" className="flex flex-wrap items-end gap-3" aria-label="Filter the audit timeline">
          <label className="text-sm">
            <span className="block font-medium text-slate-700">Events</span>
            <select name="events" defaultValue={timelinePage.events} className="mt-1 rounded-md border border-slate-400 bg-white px-2 py-1.5 text-sm">
              {Object.entries(TIMELINE_FILTERS).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className={buttonClasses("secondary")}>
            Show
          </button>
        </form>
        {timelinePage.problems.map((problem) => (
          <p key={problem} role="alert" className="text-sm text-red-800">
            {problem}
          </p>
        ))}
        <AuditTimeline entries={timeline} />
        <nav aria-label="Audit timeline pages" className="flex flex-wrap gap-3 text-sm">
          {timelinePage.isFirstPage ? null : (
            <Link className="text-blue-700 underline" href={`/support/environments/${environment.id}?events=${timelinePage.events}`}>
              Newest events
            </Link>
          )}
          {timelinePage.olderBefore ? (
            <Link className="text-blue-700 underline" href={`/support/environments/${environment.id}?events=${timelinePage.events}&before=${timelinePage.olderBefore}`}>
              Older events
            </Link>
          ) : null}
        </nav>
      </Card>
    </div>
  );
}
