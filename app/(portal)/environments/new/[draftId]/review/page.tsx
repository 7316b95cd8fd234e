import type { Metadata } from "next";
import Link from "next/link";
import { Card } from "@/components/ui/card";
import { KeyArnSummary } from "@/components/key-arn-summary";
import { ENCRYPTION_MODE_LABELS, KEY_ACCESS_LABELS } from "@/lib/labels";
import { forPage } from "@/lib/auth/guards";
import { keyArnWarnings } from "@/lib/environments/draft";
import { SubmitEnvironment } from "../../_components/submit-environment";
import { WizardSteps } from "../../_components/wizard-steps";
import { loadWizardDraft } from "../load-draft";

export const metadata: Metadata = { title: "Create environment · Review & create" };

export default async function ReviewPage({ params }: { params: Promise<{ draftId: string }> }) {
  const { draftId } = await params;
  const { draft, reachable } = await loadWizardDraft(draftId, "review");
  const byok = draft.encryptionMode === "CUSTOMER_MANAGED";
  const warnings = byok ? await forPage("customer", (caller) => keyArnWarnings(caller, { environmentId: draft.id })) : [];
  const edit = (step: string) => (
    <Link href={`/environments/new/${draft.id}/${step}`} className="text-sm text-blue-700 underline">
      Change<span className="sr-only"> {step}</span>
    </Link>
  );
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">Create environment</h1>
      <WizardSteps current="review" encryptionMode={draft.encryptionMode} reachable={reachable} draftId={draft.id} />
      <Card className="space-y-5">
        <h2 className="text-lg font-semibold">Review &amp; create</h2>
        <dl className="grid grid-cols-1 gap-4 text-sm sm:grid-cols-2">
          <div>
            <dt className="font-medium text-slate-700">Environment name {edit("basics")}</dt>
            <dd>{draft.name}</dd>
          </div>
          <div>
            <dt className="font-medium text-slate-700">Region</dt>
            <dd className="font-mono">{draft.region}</dd>
          </div>
          <div className="sm:col-span-2">
            <dt className="font-medium text-slate-700">Encryption at rest {edit("encryption")}</dt>
            <dd>{ENCRYPTION_MODE_LABELS[draft.encryptionMode]}</dd>
          </div>
          {byok && draft.keyAccess === "ROLE" && draft.s3KeyArn && draft.roleArn ? (
            <>
              <div className="sm:col-span-2">
                <dt className="font-medium text-slate-700">How the platform reaches your keys {edit("keys")}</dt>
                <dd>{KEY_ACCESS_LABELS.ROLE}</dd>
              </div>
              <div className="sm:col-span-2">
                <dt className="font-medium text-slate-700">Role ARN</dt>
                <dd className="font-mono break-all">{draft.roleArn}</dd>
              </div>
              <KeyArnSummary label="Key ARN" arn={draft.s3KeyArn} />
              {draft.logGroupArn ? (
                <div className="sm:col-span-2">
                  <dt className="font-medium text-slate-700">Key-use log forwarding</dt>
                  <dd className="font-mono break-all">{draft.logGroupArn}</dd>
                </div>
              ) : null}
            </>
          ) : null}
          {byok && draft.keyAccess !== "ROLE" && draft.s3KeyArn && draft.rdsKeyArn ? (
            <>
              <KeyArnSummary label="S3 key ARN" arn={draft.s3KeyArn} />
              <KeyArnSummary label="RDS key ARN" arn={draft.rdsKeyArn} />
            </>
          ) : null}
        </dl>
        {warnings.length > 0 ? (
          <section aria-labelledby="key-warnings-heading" className="rounded-md border border-amber-400 bg-amber-50 p-3 text-sm text-amber-950">
            <h3 id="key-warnings-heading" className="font-semibold">Worth a look before you create</h3>
            <ul className="mt-1 list-disc space-y-1 pl-5">
              {warnings.map((warning) => (
                <li key={warning} className="break-words">{warning}</li>
              ))}
            </ul>
          </section>
        ) : null}
        <p role="note" className="rounded-md border border-amber-400 bg-amber-50 p-3 text-sm text-amber-950">
          {byok && draft.keyAccess === "ROLE"
            ? "Provisioning starts right away: the platform assumes your role, makes this environment's data key under your key and keeps it only wrapped; object storage is encrypted with that data key. After provisioning, the encryption settings can no longer be changed."
            : byok
            ? "Provisioning starts right away and uses your keys: the first write to object storage and the creation of the database check that our platform role can use them. After provisioning, the encryption settings can no longer be changed."
            : "Provisioning starts right away. The encryption mode can no longer be changed afterwards."}
        </p>
        <SubmitEnvironment draftId={draft.id} />
      </Card>
    </div>
  );
}
