import type { Metadata } from "next";
import { Card } from "@/components/ui/card";
import { keyArnContext } from "@/lib/environments/draft";
import { KeyArnsForm } from "../../_components/key-arns-form";
import { RoleKeyForm } from "../../_components/role-key-form";
import { WizardSteps } from "../../_components/wizard-steps";
import { loadWizardDraft } from "../load-draft";
import { provideKeyArnsAction, provideRoleKeyAction } from "../../actions";

export const metadata: Metadata = { title: "Create environment · Provide your key ARNs" };

export default async function KeyArnsPage({ params }: { params: Promise<{ draftId: string }> }) {
  const { draftId } = await params;
  const { draft, reachable } = await loadWizardDraft(draftId, "key-arns");
  if (draft.keyAccess === "ROLE") {
    return (
      <div className="space-y-6">
        <h1 className="text-2xl font-semibold">Create environment</h1>
        <WizardSteps current="key-arns" encryptionMode="CUSTOMER_MANAGED" reachable={reachable} draftId={draft.id} />
        <Card>
          <h2 className="text-lg font-semibold">Provide your role and key ARNs</h2>
          <p className="mt-1 mb-5 max-w-3xl text-slate-700">
            When you continue, the platform assumes your role with your organization&apos;s External ID, describes the key as
            that role, and makes and opens a data key with your tenant&apos;s encryption context, exactly as it will for this
            environment. Whatever would fail is caught now, with what to change.
          </p>
          <RoleKeyForm
            environmentId={draft.id}
            submit={provideRoleKeyAction}
            context={keyArnContext(draft.region)}
            defaults={{ roleArn: draft.roleArn ?? "", keyArn: draft.s3KeyArn ?? "", logGroupArn: draft.logGroupArn ?? "", logRoleArn: draft.logRoleArn ?? "" }}
          />
        </Card>
      </div>
    );
  }
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">Create environment</h1>
      <WizardSteps current="key-arns" encryptionMode="CUSTOMER_MANAGED" reachable={reachable} draftId={draft.id} />
      <Card>
        <h2 className="text-lg font-semibold">Provide your key ARNs</h2>
        <p className="mt-1 mb-5 max-w-3xl text-slate-700">
          Use full key ARNs, never alias ARNs: an alias can later be pointed at a different key, which would silently change
          what encrypts your data. When you continue, we look at both keys through this environment&apos;s read-only
          statement (that they exist, are enabled, are symmetric encryption keys and carry this environment&apos;s statements),
          so a key that could not work is caught now, with the way to fix it.
        </p>
        <KeyArnsForm
          environmentId={draft.id}
          submit={provideKeyArnsAction}
          context={keyArnContext(draft.region)}
          defaults={{ s3KeyArn: draft.s3KeyArn ?? "", rdsKeyArn: draft.rdsKeyArn ?? "" }}
        />
      </Card>
    </div>
  );
}
