import type { Metadata } from "next";
import { Card } from "@/components/ui/card";
import { env } from "@/lib/env";
import { BasicsForm } from "./_components/basics-form";
import { WizardSteps } from "./_components/wizard-steps";

export const metadata: Metadata = { title: "Create environment · Basics" };

export default function NewEnvironmentPage() {
  const config = env();
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">Create environment</h1>
      <WizardSteps current="basics" encryptionMode={null} reachable={["basics"]} draftId={null} />
      <Card>
        <h2 className="mb-4 text-lg font-semibold">Basics</h2>
        <BasicsForm regions={config.supportedRegions} defaults={{ name: "", region: config.defaultRegion }} />
      </Card>
    </div>
  );
}
