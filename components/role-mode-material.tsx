import { CodeBlock } from "@/components/code-block";
import { OnboardingValues } from "@/components/onboarding-values";
import { Tabs } from "@/components/tabs";
import { buttonClasses } from "@/components/ui/button";
import { ROLE_STATEMENT_IDS, TENANT_CONTEXT_KEY } from "@/lib/byok/role-mode";
import type { RoleMaterial } from "@/lib/environments/role-material";

/**
 * Role mode's instructions (F8): the onboarding values, the role's trust and permissions
 * policies, the key-policy statements, and the CloudFormation route. On the wizard's keys step
 * and on a role-mode environment's Key setup section.
 */
export function RoleModeMaterial({ environmentId, material, brandName, inWizard }: { environmentId: string; material: RoleMaterial; brandName: string; inWizard: boolean }) {
  const { values } = material;
  return (
    <div className="space-y-6">
      <p className="max-w-3xl text-slate-700">
        Create one symmetric KMS key and an IAM role in your AWS account. The role trusts only {brandName}&apos;s platform role,
        and only when it presents your organization&apos;s External ID; it may use the key for nothing but making and opening
        data keys for your tenant (<span className="font-mono">{TENANT_CONTEXT_KEY}={values.tenant}</span>) and reading the
        key&apos;s state. We make this environment&apos;s data key under your key through the role and keep it only wrapped:
        revoke the role or the key, and the data can no longer be opened.
      </p>
      <p role="note" className="max-w-3xl rounded-md border border-amber-400 bg-amber-50 p-3 text-sm text-amber-950">
        In this mode your key protects the environment&apos;s object storage. The Aurora database is encrypted at rest by AWS
        with a key in {brandName}&apos;s account, because a role cannot give Aurora the use of your key. If the database must be
        encrypted with your own key too, choose <strong>Key policy</strong>.
      </p>
      <OnboardingValues items={material.onboarding} headingId="role-onboarding-heading" />
      <p className="text-sm text-slate-700">
        The External ID is your organization&apos;s, the same for all its environments, and never changes. Only your
        organization&apos;s members can see it; our support staff see only that one exists.
      </p>
      <Tabs
        tabs={[
          {
            id: "role-cloudformation",
            label: "CloudFormation template",
            content: (
              <div className="space-y-4">
                <p className="text-sm text-slate-700">
                  The template creates the role with both policies and, unless you give it an existing key&apos;s ARN, a new
                  key whose policy lets the role use it. Its output <span className="font-mono">OnboardingPayload</span> holds
                  the role&apos;s and the key&apos;s ARNs{inWizard ? " for the next step" : ""}. It names the role, so the deploy
                  needs <span className="font-mono">CAPABILITY_NAMED_IAM</span>.
                </p>
                <a href={`/api/environments/${environmentId}/template`} download className={buttonClasses("secondary")}>
                  Download template
                </a>
                {material.commands.map((command) => (
                  <CodeBlock key={command.title} title={command.title} language="shell" code={command.code} filled={material.filled} />
                ))}
              </div>
            ),
          },
          {
            id: "role-documents",
            label: "Policies, by hand",
            content: (
              <div className="space-y-4">
                <p className="text-sm text-slate-700">
                  In IAM, create a role for “Another AWS account” ({values.platformAccountId}), then replace its trust policy
                  with this one. Highlighted values are your organization&apos;s.
                </p>
                <CodeBlock title="Trust policy" language="json" code={material.trustPolicy} filled={material.filled} />
                <p className="text-sm text-slate-700">
                  Add this permissions policy to the role (an inline policy), with your key&apos;s ARN in place of{" "}
                  <span className="font-mono">&lt;your key ARN&gt;</span>:
                </p>
                <CodeBlock title="Permissions policy" language="json" code={material.permissionsPolicy} filled={material.filled} />
                <p className="text-sm text-slate-700">
                  If your key&apos;s policy keeps AWS&apos;s default statement (“Enable IAM User Permissions”), the role&apos;s
                  own policy is enough. Otherwise add these statements ({ROLE_STATEMENT_IDS.keyPolicyUse},{" "}
                  {ROLE_STATEMENT_IDS.keyPolicyRead}) to the key policy, with the role&apos;s ARN:
                </p>
                <CodeBlock title="Key policy statements for the role" language="json" code={material.keyPolicyStatements} filled={material.filled} />
                {material.validationCommands.length > 0 ? (
                  <>
                    <p className="text-sm text-slate-700">Optional: check the role and the key from your shell.</p>
                    {material.validationCommands.map((command) => (
                      <CodeBlock key={command.title} title={command.title} language="shell" code={command.code} filled={material.filled} />
                    ))}
                    <p className="text-sm text-slate-700">{material.assumeRoleNote}</p>
                  </>
                ) : null}
              </div>
            ),
          },
        ]}
      />
    </div>
  );
}
