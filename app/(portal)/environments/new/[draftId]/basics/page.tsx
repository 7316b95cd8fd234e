import type { Metadata } from "next";
import { Card } from "@/components/ui/card";
import { env } from "@/lib/env";
import { BasicsForm } from "../../_components/basics-form";
import { WizardSteps } from "../../_components/wizard-steps";
import { loadWizardDraft } from "../load-draft";

export const metadata: Metadata = { title: "Create environment · Basics" };

export default async function BasicsPage({ params }: { params: Promise<{ draftId: string }> }) {
  const { draftId } = await params;
  const { draft, reachable, encryptionChosen } = await loadWizardDraft(draftId, "basics");
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">Create environment</h1>
      <WizardSteps current="basics" encryptionMode={encryptionChosen ? draft.encryptionMode : null} reachable={reachable} draftId={draft.id} />
      <Card>
        <h2 className="mb-4 text-lg font-semibold">Basics</h2>
        <BasicsForm regions={env().supportedRegions} draftId={draft.id} defaults={{ name: draft.name, region: draft.region }} />
      </Card>
    </div>
  );
}
