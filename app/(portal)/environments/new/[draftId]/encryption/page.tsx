import type { Metadata } from "next";
import { Card } from "@/components/ui/card";
import { env } from "@/lib/env";
import { EncryptionForm } from "../../_components/encryption-form";
import { WizardSteps } from "../../_components/wizard-steps";
import { loadWizardDraft } from "../load-draft";

export const metadata: Metadata = { title: "Create environment · Encryption at rest" };

export default async function EncryptionPage({ params }: { params: Promise<{ draftId: string }> }) {
  const { draftId } = await params;
  const { draft, reachable, encryptionChosen } = await loadWizardDraft(draftId, "encryption");
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">Create environment</h1>
      <WizardSteps current="encryption" encryptionMode={encryptionChosen ? draft.encryptionMode : null} reachable={reachable} draftId={draft.id} />
      <Card>
        <h2 className="mb-4 text-lg font-semibold">Encryption at rest</h2>
        <EncryptionForm
          draftId={draft.id}
          brandName={env().brandName}
          defaults={{ encryptionMode: encryptionChosen ? draft.encryptionMode : "VENDOR_MANAGED" }}
        />
      </Card>
    </div>
  );
}
