import type { Metadata } from "next";
import { CodeBlock } from "@/components/code-block";
import { CopyButton } from "@/components/copy-button";
import { Tabs } from "@/components/tabs";
import { buttonClasses } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { byokMaterial } from "@/lib/environments/byok-material";
import { env } from "@/lib/env";
import { AcknowledgeKeys } from "../../_components/acknowledge-keys";
import { KeysDiagram } from "../../_components/keys-diagram";
import { WizardSteps } from "../../_components/wizard-steps";
import { loadWizardDraft } from "../load-draft";

export const metadata: Metadata = { title: "Create environment · Create your keys" };

export default async function KeysPage({ params }: { params: Promise<{ draftId: string }> }) {
  const { draftId } = await params;
  const { draft, reachable } = await loadWizardDraft(draftId, "keys");
  const material = byokMaterial(draft);
  const brandName = env().brandName;
  const onboarding = [
    { label: "Platform role ARN", value: material.onboarding.platformRoleArn },
    { label: "Region", value: material.onboarding.region },
    { label: "Platform account id", value: material.onboarding.platformAccountId },
    { label: "Environment id", value: draft.id },
  ];
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">Create environment</h1>
      <WizardSteps current="keys" encryptionMode="CUSTOMER_MANAGED" reachable={reachable} draftId={draft.id} />
      <Card className="space-y-6">
        <div>
          <h2 className="text-lg font-semibold">Create your keys</h2>
          <p className="mt-1 max-w-3xl text-slate-700">
            Create two symmetric KMS keys in your AWS account, in <span className="font-mono">{draft.region}</span>: one for
            object storage (S3) and one for the database (Aurora). Their key policies let our platform role use them only
            through those two services, and only while it works on <em>this</em> environment. You can leave this page open
            while you work in AWS and come back later.
          </p>
        </div>
        <section aria-labelledby="onboarding-heading">
          <h3 id="onboarding-heading" className="font-semibold">Onboarding values</h3>
          <dl className="mt-2 divide-y divide-slate-200 rounded-md border border-slate-200">
            {onboarding.map((item) => (
              <div key={item.label} className="flex flex-wrap items-center justify-between gap-2 px-3 py-2">
                <dt className="text-sm font-medium text-slate-700">{item.label}</dt>
                <dd className="flex items-center gap-2">
                  <span className="font-mono text-sm break-all">{item.value}</span>
                  <CopyButton value={item.value} label={`Copy ${item.label}`} />
                </dd>
              </div>
            ))}
          </dl>
        </section>
        <KeysDiagram brandName={brandName} />
        <section aria-labelledby="material-heading" className="space-y-3">
          <h3 id="material-heading" className="font-semibold">Key policy statements &amp; CloudFormation template</h3>
          <Tabs
            tabs={[
              {
                id: "statements",
                label: "Key policy statements",
                content: (
                  <div className="space-y-4">
                    <p className="text-sm text-slate-700">
                      Add these statements to the <span className="font-mono">Statement</span> list of each key&apos;s policy.
                      Highlighted values are this environment&apos;s. <strong>Keep the default statements</strong> AWS puts in
                      a new key&apos;s policy: they let your own administrators manage the key, and removing them can lock you
                      out of it.
                    </p>
                    <CodeBlock title="S3 key statements" language="json" code={material.s3Statements} filled={material.filled} />
                    <p className="text-sm text-slate-700">
                      <strong>Pinned to this environment.</strong> Our platform works on each environment from a separate
                      session that carries the environment&apos;s id (<span className="font-mono">{draft.id}</span>). Every
                      statement here requires that id (<span className="font-mono">aws:PrincipalTag/byok-environment</span>), so
                      even if someone pasted your key&apos;s ARN into another customer&apos;s environment, our platform could not
                      use your key there, or even look at it. On top of that, the S3 statement requires the encryption context to
                      name one of this environment&apos;s buckets (<span className="font-mono">{material.bucketNamePrefix}-*</span>).
                      Describing the key carries no encryption context, so it has a statement of its own.
                    </p>
                    <CodeBlock title="Aurora (RDS) key statements" language="json" code={material.rdsStatements} filled={material.filled} />
                    <p className="text-sm text-slate-700">
                      Grants on the RDS key can only be created for AWS resources (<span className="font-mono">kms:GrantIsForAWSResource</span>):
                      Aurora needs them to use the key; nobody else gets one.
                    </p>
                    <p className="text-sm text-slate-700">
                      Each key also gets a read-only statement (<span className="font-mono">AllowPlatformKeyPreflight</span>): our
                      platform may describe the key and read its rotation setting, nothing more, and only for this environment.
                      We use it to check your keys when you give us their ARNs, before anything is created, and afterwards to
                      watch that they stay enabled and healthy. It cannot encrypt, decrypt or change anything.
                    </p>
                  </div>
                ),
              },
              {
                id: "cloudformation",
                label: "CloudFormation template",
                content: (
                  <div className="space-y-4">
                    <p className="text-sm text-slate-700">
                      The template creates both keys with these policies, automatic yearly rotation, a 30-day deletion waiting
                      period, and keeps the keys if the stack is ever deleted. Its parameters default to this
                      environment&apos;s values, including <span className="font-mono">EnvironmentId</span>, the id every
                      statement is pinned to: keep it as it is, or the keys will not work for this environment.
                    </p>
                    <a href={`/api/environments/${draft.id}/template`} download="byok-kms-keys.yaml" className={buttonClasses("secondary")}>
                      Download template
                    </a>
                    <CodeBlock title="Deploy command" language="shell" code={material.deployCommand} filled={material.filled} />
                    <p className="text-sm text-slate-700">
                      Change <span className="font-mono">--profile byok</span> to the AWS CLI profile that may create KMS keys in
                      your account. When the stack is complete, print the onboarding payload (both key ARNs) and paste it in
                      the next step:
                    </p>
                    <CodeBlock title="Describe-stacks command" language="shell" code={material.describeStacksCommand} filled={material.filled} />
                  </div>
                ),
              },
            ]}
          />
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
        <AcknowledgeKeys draftId={draft.id} />
      </Card>
    </div>
  );
}
