import { CodeBlock } from "@/components/code-block";
import { SandboxDeploy } from "@/components/sandbox-deploy";
import { Tabs } from "@/components/tabs";
import { buttonClasses } from "@/components/ui/button";
import type { byokMaterial } from "@/lib/environments/byok-material";
import type { ActionResult } from "@/lib/pipeline/result";
import type { SandboxDeployProgress } from "@/lib/sandbox-deploy/deploy-keys";
import { sandboxMode } from "@/lib/sandbox-deploy/mode";

/** The keys step's actions for "Deploy in the sandbox" (its own, and the key-ARN step's for "Use these keys"). */
export interface SandboxDeployActions {
  deploy: (input: unknown) => Promise<ActionResult<SandboxDeployProgress>>;
  submitKeys: (input: { environmentId: string; s3KeyArn: string; rdsKeyArn: string }) => Promise<ActionResult<unknown>>;
}

/**
 * The key policy statements and the CloudFormation template of one customer-managed
 * environment: on the wizard's keys step, and on the environment page's Key setup section
 * afterwards, so they stay reachable once the environment is submitted.
 */
export function KeyMaterialTabs({
  environmentId,
  material,
  inWizard,
  sandboxActions,
}: {
  environmentId: string;
  material: ReturnType<typeof byokMaterial>;
  /** On the keys step the payload goes into the next step; afterwards it only shows the keys' ARNs. */
  inWizard: boolean;
  /** The wizard's keys step hands these down; with them, sandbox mode adds "Deploy in the sandbox". */
  sandboxActions?: SandboxDeployActions;
}) {
  const sandbox = inWizard && sandboxActions ? sandboxMode() : null;
  return (
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
                session that carries the environment&apos;s id (<span className="font-mono">{environmentId}</span>). Every
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
              <a href={`/api/environments/${environmentId}/template`} download="byok-kms-keys.yaml" className={buttonClasses("secondary")}>
                Download template
              </a>
              <CodeBlock title="Deploy command" language="shell" code={material.deployCommand} filled={material.filled} />
              <p className="text-sm text-slate-700">
                Change <span className="font-mono">--profile byok</span> to the AWS CLI profile that may create KMS keys in
                your account. When the stack is complete, print the onboarding payload (both key ARNs)
                {inWizard ? " and paste it in the next step" : ""}:
              </p>
              <CodeBlock title="Describe-stacks command" language="shell" code={material.describeStacksCommand} filled={material.filled} />
              {sandbox && sandboxActions ? (
                <SandboxDeploy
                  environmentId={environmentId}
                  stackName={material.stackName}
                  cliEndpointUrl={sandbox.cliEndpointUrl}
                  deploy={sandboxActions.deploy}
                  submitKeys={sandboxActions.submitKeys}
                />
              ) : null}
            </div>
          ),
        },
      ]}
    />
  );
}
