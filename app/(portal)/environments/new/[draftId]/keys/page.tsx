import type { Metadata } from "next";
import { Card } from "@/components/ui/card";
import { KeyMaterialTabs } from "@/components/key-material-tabs";
import { OnboardingValues } from "@/components/onboarding-values";
import { PolicyCheck } from "@/components/policy-check";
import { RoleModeMaterial } from "@/components/role-mode-material";
import { keyCommandsFor } from "@/lib/policy-check/commands";
import { byokMaterial } from "@/lib/environments/byok-material";
import { roleMaterial } from "@/lib/environments/role-material";
import { env } from "@/lib/env";
import { AcknowledgeKeys } from "../../_components/acknowledge-keys";
import { KeyAccessChoice } from "../../_components/key-access-choice";
import { KeysDiagram } from "../../_components/keys-diagram";
import { WizardSteps } from "../../_components/wizard-steps";
import { loadWizardDraft } from "../load-draft";
import { checkKeyPolicyAction } from "../../../[environmentId]/actions";
import { provideKeyArnsAction } from "../../actions";
import { deployKeysInSandboxAction } from "./sandbox-actions";

export const metadata: Metadata = { title: "Create environment · Create your keys" };

export default async function KeysPage({ params }: { params: Promise<{ draftId: string }> }) {
  const { draftId } = await params;
  const { draft, reachable } = await loadWizardDraft(draftId, "keys");
  const brandName = env().brandName;
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">Create environment</h1>
      <WizardSteps current="keys" encryptionMode="CUSTOMER_MANAGED" reachable={reachable} draftId={draft.id} />
      <Card className="space-y-6">
        <h2 className="text-lg font-semibold">Create your keys</h2>
        <KeyAccessChoice draftId={draft.id} current={draft.keyAccess} brandName={brandName} />
        {draft.keyAccess === "ROLE" ? (
          <RoleModeMaterial environmentId={draft.id} material={await roleMaterial(draft)} brandName={brandName} inWizard />
        ) : (
          <KeyPolicyInstructions draft={draft} brandName={brandName} />
        )}
        <AcknowledgeKeys draftId={draft.id} />
      </Card>
    </div>
  );
}

function KeyPolicyInstructions({ draft, brandName }: { draft: Awaited<ReturnType<typeof loadWizardDraft>>["draft"]; brandName: string }) {
  const material = byokMaterial(draft);
  const onboarding = [
    { label: "Platform role ARN", value: material.onboarding.platformRoleArn },
    { label: "Region", value: material.onboarding.region },
    { label: "Platform account id", value: material.onboarding.platformAccountId },
    { label: "Environment id", value: draft.id },
  ];
  return (
    <>
      <p className="max-w-3xl text-slate-700">
        Create two symmetric KMS keys in your AWS account, in <span className="font-mono">{draft.region}</span>: one for
        object storage (S3) and one for the database (Aurora). Their key policies let our platform role use them only
        through those two services, and only while it works on <em>this</em> environment. You can leave this page open
        while you work in AWS and come back later.
      </p>
      <OnboardingValues items={onboarding} />
      <KeysDiagram brandName={brandName} />
      <section aria-labelledby="material-heading" className="space-y-3">
        <h3 id="material-heading" className="font-semibold">Key policy statements &amp; CloudFormation template</h3>
        <KeyMaterialTabs environmentId={draft.id} material={material} inWizard sandboxActions={{ deploy: deployKeysInSandboxAction, submitKeys: provideKeyArnsAction }} />
      </section>
      <section aria-labelledby="manual-heading">
        <h3 id="manual-heading" className="font-semibold">Prefer to create the keys by hand?</h3>
        <ol className="mt-2 list-decimal space-y-1 pl-6 text-sm text-slate-700">
          <li>In the KMS console (region <span className="font-mono">{draft.region}</span>), create a symmetric key for “Encrypt and decrypt”.</li>
          <li>At “Edit key policy”, append the S3 key statements above (all three, including the read-only check), keeping the default statements. Save.</li>
          <li>Create a second key the same way and append the Aurora (RDS) key statements.</li>
          <li>Copy both key ARNs (not alias ARNs) for the next step.</li>
        </ol>
      </section>
      <section aria-labelledby="check-heading" className="space-y-3" id="key-policy-check">
        <h3 id="check-heading" className="font-semibold">Check a key policy before you continue</h3>
        <p className="text-sm text-slate-700">
          Already have a key, or edited a policy by hand? Print its policy with the command below and paste it here. The check
          runs every request our platform will make on that key for this environment against the policy, says exactly which
          statement or condition would refuse one, and gives you a corrected policy that keeps your own statements.
        </p>
        <PolicyCheck
          environmentId={draft.id}
          getCommands={{ s3: keyCommandsFor(null, draft.region).getPolicy(), rds: keyCommandsFor(null, draft.region).getPolicy() }}
          check={checkKeyPolicyAction}
        />
      </section>
    </>
  );
}
