import type { Metadata } from "next";
import Link from "next/link";
import { AuditTimeline } from "@/components/audit-timeline";
import { KeyArnSummary } from "@/components/key-arn-summary";
import { StatusBadge } from "@/components/status-badge";
import { Card } from "@/components/ui/card";
import { forPage } from "@/lib/auth/guards";
import { STEP_LABELS } from "@/lib/environments/step-labels";
import { getSupportEnvironment } from "@/lib/support/console";
import { NoteForm } from "../../_components/note-form";
import { NotesList } from "../../_components/notes-list";
import { SupportRetryForm } from "../../_components/retry-form";

export const metadata: Metadata = { title: "Environment (support)" };

const time = (date: Date | null) => (date ? `${date.toISOString().replace("T", " ").slice(0, 19)} UTC` : "—");
function duration(start: Date | null, end: Date | null): string {
  if (!start || !end) return "—";
  const seconds = Math.round((end.getTime() - start.getTime()) / 1000);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
}

export default async function SupportEnvironmentPage({ params }: { params: Promise<{ environmentId: string }> }) {
  const { environmentId } = await params;
  const { environment, timeline } = await forPage(() => getSupportEnvironment({ environmentId }));
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
      </div>
      <Card>
        <dl className="grid grid-cols-1 gap-4 text-sm sm:grid-cols-2">
          <div><dt className="font-medium text-slate-700">Environment id</dt><dd className="font-mono">{environment.id}</dd></div>
          <div><dt className="font-medium text-slate-700">Tenant name</dt><dd className="font-mono">{environment.tenantName ?? "—"}</dd></div>
          <div><dt className="font-medium text-slate-700">Region</dt><dd className="font-mono">{environment.region}</dd></div>
          <div><dt className="font-medium text-slate-700">Encryption</dt><dd>{environment.encryptionMode === "CUSTOMER_MANAGED" ? "Customer-managed keys (BYOK)" : "Vendor-managed keys"}</dd></div>
          <div><dt className="font-medium text-slate-700">Created by</dt><dd>{environment.createdBy.name} ({environment.createdBy.email}), {time(environment.createdAt)}</dd></div>
          {environment.s3KeyArn ? <KeyArnSummary label="S3 key ARN" arn={environment.s3KeyArn} /> : null}
          {environment.rdsKeyArn ? <KeyArnSummary label="RDS key ARN" arn={environment.rdsKeyArn} /> : null}
        </dl>
      </Card>
      {environment.provisioningAttempts.length > 0 ? (
        <Card className="space-y-2">
          <h2 className="text-lg font-semibold">Retry</h2>
          <p className="text-sm text-slate-700">
            {environment.status === "FAILED"
              ? "Queues a new attempt that resumes from the failed step. Recorded in the audit log with your name."
              : "Only a failed environment can be retried."}
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
              <span>{attempt.status}</span>
              <span className="text-slate-700">
                {attempt.trigger}
                {attempt.requestedBy ? ` by ${attempt.requestedBy.email}` : ""} · started {time(attempt.startedAt)} · {duration(attempt.startedAt, attempt.finishedAt)}
              </span>
            </header>
            <table className="w-full text-left text-xs">
              <thead className="text-slate-700">
                <tr>
                  <th scope="col" className="px-3 py-2 font-medium">Step</th>
                  <th scope="col" className="px-3 py-2 font-medium">State</th>
                  <th scope="col" className="px-3 py-2 font-medium">Tries</th>
                  <th scope="col" className="px-3 py-2 font-medium">Took</th>
                  <th scope="col" className="px-3 py-2 font-medium">AWS error</th>
                  <th scope="col" className="px-3 py-2 font-medium">Request id</th>
                </tr>
              </thead>
              <tbody>
                {attempt.steps.map((step) => (
                  <tr key={step.id} className="border-t border-slate-100 align-top">
                    <td className="px-3 py-2">{STEP_LABELS[step.key] ?? step.key}</td>
                    <td className="px-3 py-2">{step.status}</td>
                    <td className="px-3 py-2">{step.tries}</td>
                    <td className="px-3 py-2">{duration(step.startedAt, step.finishedAt)}</td>
                    <td className="px-3 py-2 break-words">
                      {step.errorCode ? (
                        <>
                          <span className="font-mono font-semibold">{step.errorCode}</span>: {step.errorMessage}
                        </>
                      ) : (
                        "—"
                      )}
                    </td>
                    <td className="px-3 py-2 font-mono">{step.awsRequestId ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        ))}
      </Card>
      <Card className="space-y-3">
        <h2 className="text-lg font-semibold">Internal notes</h2>
        <NotesList notes={environment.supportNotes} />
        <NoteForm organizationId={environment.organization.id} environmentId={environment.id} />
      </Card>
      <Card>
        <AuditTimeline entries={timeline} />
      </Card>
    </div>
  );
}
