import type { Metadata } from "next";
import { AuditTimeline } from "@/components/audit-timeline";
import { CodeBlock } from "@/components/code-block";
import { buttonClasses } from "@/components/ui/button";
import { StatusBadge } from "@/components/status-badge";
import { Card } from "@/components/ui/card";
import { KeyArnSummary } from "@/components/key-arn-summary";
import { forPage } from "@/lib/auth/guards";
import { environmentTimeline } from "@/lib/environments/audit-log";
import { byokMaterial } from "@/lib/environments/byok-material";
import { getProvisioningStatus } from "@/lib/environments/provisioning-status";
import { getEnvironment } from "@/lib/environments/get-environment";
import { ENCRYPTION_MODE_LABELS, KEY_ACCESS_LABELS } from "@/lib/labels";
import { ConfirmAction } from "@/components/confirm-action";
import { KeyHealth } from "@/components/key-health";
import { KeyMaterialTabs } from "@/components/key-material-tabs";
import { keyArnContext } from "@/lib/environments/draft";
import { KeyArnsForm } from "../new/_components/key-arns-form";
import { PolicyCheck } from "@/components/policy-check";
import { keyHealthRegion } from "@/lib/key-health/for-caller";
import { keyCommandsFor } from "@/lib/policy-check/commands";
import { LogForwardingStatus } from "@/components/log-forwarding-status";
import { RoleModeMaterial } from "@/components/role-mode-material";
import { roleMaterial } from "@/lib/environments/role-material";
import { readLogForwarding } from "@/lib/key-use-log/status";
import { env } from "@/lib/env";
import { RoleKeyForm } from "../new/_components/role-key-form";
import { changeKeyArnsAction, changeRoleKeyAction, checkKeyHealthNowAction, checkKeyPolicyAction, deleteEnvironmentAction } from "./actions";
import { LiveStatusBadge } from "./_components/live-status-badge";
import { ProvisioningStatus } from "./_components/provisioning-status";

export const metadata: Metadata = { title: "Environment" };

const POLICY_CHECK_ID = "key-policy-check";

export default async function EnvironmentPage({ params }: { params: Promise<{ environmentId: string }> }) {
  const ref = await params;
  const { environment, status, timeline, keyHealth, logForwarding } = await forPage("customer", async (caller) => {
    const environment = await getEnvironment(caller, ref);
    const watched = environment.encryptionMode === "CUSTOMER_MANAGED" && environment.status === "READY";
    return {
      environment,
      logForwarding: environment.status !== "DRAFT" && environment.encryptionMode === "CUSTOMER_MANAGED" ? await readLogForwarding(caller, environment.id) : null,
      status: environment.status === "DRAFT" ? null : await getProvisioningStatus(caller, ref),
      timeline: await environmentTimeline(caller, ref),
      // Key health is watched once a customer-managed environment is ready (F9).
      keyHealth: watched ? await keyHealthRegion(environment) : null,
    };
  });
  const byok = environment.encryptionMode === "CUSTOMER_MANAGED";
  const roleMode = byok && environment.keyAccess === "ROLE";
  const tenantCommands = byok && !roleMode && environment.status === "READY" ? byokMaterial(environment).tenantCommands : null;
  return (
    <div className="space-y-6">
      <div className="flex items-center gap-3">
        <h1 className="text-2xl font-semibold">{environment.name}</h1>
        {/* Once submitted, the badge follows the same live status as the provisioning card below. */}
        <span data-testid="environment-status">{status ? <LiveStatusBadge initial={status} /> : <StatusBadge status={environment.status} />}</span>
      </div>
      {environment.status === "DRAFT" ? (
        <Card>
          <p>
            This environment is a draft.{" "}
            <a className="text-blue-700 underline" href={`/environments/new/${environment.id}/basics`}>
              Continue creating it
            </a>
            .
          </p>
        </Card>
      ) : null}
      {environment.status === "READY" ? (
        <Card className="space-y-4">
          <h2 className="text-lg font-semibold">Your environment is ready</h2>
          <p>
            Tenant name: <span className="font-mono font-semibold" data-testid="tenant-name">{environment.tenantName}</span>
          </p>
          {tenantCommands ? (
            <div className="space-y-3">
              <h3 className="font-semibold">Optional: name your keys after the tenant</h3>
              <p className="text-sm text-slate-700">
                Aliases and a tenant tag make the two keys easy to find in your AWS account. The keys themselves, their ARNs
                and this environment do not change. If you created the keys with the template, redeploy it with the tenant
                name:
              </p>
              <CodeBlock title="Redeploy command with TenantName" language="shell" code={tenantCommands.redeploy} filled={[environment.tenantName ?? ""]} />
              <p className="text-sm text-slate-700">If you created the keys by hand, run these instead:</p>
              <CodeBlock title="Manual alias and tag commands" language="shell" code={tenantCommands.manual.join("\n\n")} filled={[environment.tenantName ?? ""]} />
            </div>
          ) : null}
        </Card>
      ) : null}
      {keyHealth ? (
        <Card>
          <KeyHealth
            environmentId={environment.id}
            initial={keyHealth.snapshot}
            keys={keyHealth.keys}
            encryptionContext={keyHealth.encryptionContext}
            pollPath={`/api/environments/${environment.id}/key-health`}
            checkNow={checkKeyHealthNowAction}
            policyCheckAnchor={POLICY_CHECK_ID}
          />
        </Card>
      ) : null}
      {status ? (
        <Card>
          <ProvisioningStatus initial={status} policyCheckAnchor={byok && !roleMode ? POLICY_CHECK_ID : undefined} />
        </Card>
      ) : null}
      {byok && !roleMode && environment.status !== "DRAFT" ? (
        <Card className="space-y-3" id={POLICY_CHECK_ID}>
          <h2 className="text-lg font-semibold">Check a key policy</h2>
          <p className="text-sm text-slate-700">
            Print one of your keys&apos; policy with the command below and paste it here. The check runs every request the platform
            makes on that key for this environment against the policy, says exactly which statement or condition refuses one,
            and gives you a corrected policy that keeps your own statements.
          </p>
          <PolicyCheck
            environmentId={environment.id}
            getCommands={{ s3: keyCommandsFor(environment.s3KeyArn, environment.region).getPolicy(), rds: keyCommandsFor(environment.rdsKeyArn, environment.region).getPolicy() }}
            defaultKind={status?.attempt?.steps.find((step) => step.status === "FAILED")?.key === "database" ? "rds" : "s3"}
            check={checkKeyPolicyAction}
          />
        </Card>
      ) : null}
      {roleMode && environment.status === "FAILED" ? (
        <Card className="space-y-3" id="change-key-arns">
          <h2 className="text-lg font-semibold">Change the role or key</h2>
          <p className="max-w-3xl text-sm text-slate-700">
            Gave the wrong role or key, or want this environment to use another key? Give them here. They are checked exactly as
            in the wizard, live through the role, before anything changes; then retry provisioning. A new key gets a new data
            key, made under it.
          </p>
          <RoleKeyForm
            environmentId={environment.id}
            context={keyArnContext(environment.region)}
            defaults={{ roleArn: environment.roleArn ?? "", keyArn: environment.s3KeyArn ?? "", logGroupArn: environment.logGroupArn ?? "", logRoleArn: environment.logRoleArn ?? "" }}
            submit={changeRoleKeyAction}
            submitLabel="Change role or key"
          />
        </Card>
      ) : null}
      {byok && !roleMode && environment.status === "FAILED" ? (
        <Card className="space-y-3" id="change-key-arns">
          <h2 className="text-lg font-semibold">Change key ARNs</h2>
          <p className="max-w-3xl text-sm text-slate-700">
            Mistyped a key ARN, or want this environment to use other keys? Give the new ARNs here. They are checked exactly as
            in the wizard, live, before anything changes; then retry provisioning. The database&apos;s key cannot change once
            the database exists.
          </p>
          <KeyArnsForm
            environmentId={environment.id}
            context={keyArnContext(environment.region)}
            defaults={{ s3KeyArn: environment.s3KeyArn ?? "", rdsKeyArn: environment.rdsKeyArn ?? "" }}
            submit={changeKeyArnsAction}
            submitLabel="Change key ARNs"
          />
        </Card>
      ) : null}
      {byok && environment.status !== "DRAFT" ? (
        <Card className="space-y-3" id="key-setup">
          <section aria-labelledby="key-setup-heading" className="space-y-3">
            <h2 id="key-setup-heading" className="text-lg font-semibold">
              Key setup
            </h2>
            <p className="max-w-3xl text-sm text-slate-700">
              The key policy statements and the CloudFormation template this environment&apos;s keys need, as the wizard showed
              them: compare them with your keys&apos; policies, or redeploy the template.
            </p>
            {roleMode ? (
              <RoleModeMaterial environmentId={environment.id} material={await roleMaterial(environment)} brandName={env().brandName} inWizard={false} />
            ) : (
              <KeyMaterialTabs environmentId={environment.id} material={byokMaterial(environment)} inWizard={false} />
            )}
          </section>
        </Card>
      ) : null}
      {logForwarding ? <LogForwardingStatus status={logForwarding} /> : null}
      <Card>
        <h2 className="mb-3 text-lg font-semibold">Settings</h2>
        <dl className="grid grid-cols-1 gap-4 text-sm sm:grid-cols-2">
          <div>
            <dt className="font-medium text-slate-700">Region</dt>
            <dd className="font-mono">{environment.region}</dd>
          </div>
          <div>
            <dt className="font-medium text-slate-700">Encryption at rest</dt>
            <dd>{ENCRYPTION_MODE_LABELS[environment.encryptionMode]}</dd>
          </div>
          <div>
            <dt className="font-medium text-slate-700">Created by</dt>
            <dd>
              {environment.createdBy.name} ({environment.createdBy.email})
            </dd>
          </div>
          {byok ? (
            <div>
              <dt className="font-medium text-slate-700">How the platform reaches your keys</dt>
              <dd>{KEY_ACCESS_LABELS[environment.keyAccess]}</dd>
            </div>
          ) : null}
          {roleMode ? (
            <>
              <div className="sm:col-span-2">
                <dt className="font-medium text-slate-700">Role ARN</dt>
                <dd className="font-mono break-all">{environment.roleArn ?? "—"}</dd>
              </div>
              {environment.s3KeyArn ? <KeyArnSummary label="Key ARN" arn={environment.s3KeyArn} /> : null}
              <div className="sm:col-span-2">
                <dt className="font-medium text-slate-700">Database</dt>
                <dd>Encrypted at rest by AWS with a key in the platform&apos;s account (role mode protects object storage with your key).</dd>
              </div>
            </>
          ) : (
            <>
              {environment.s3KeyArn ? <KeyArnSummary label="S3 key ARN" arn={environment.s3KeyArn} /> : null}
              {environment.rdsKeyArn ? <KeyArnSummary label="RDS key ARN" arn={environment.rdsKeyArn} /> : null}
            </>
          )}
        </dl>
      </Card>
      {environment.status === "DRAFT" || environment.status === "FAILED" ? (
        <Card className="space-y-3">
          <h2 className="text-lg font-semibold">Delete environment</h2>
          <p className="max-w-3xl text-sm text-slate-700">
            {environment.status === "DRAFT"
              ? "Deleting the draft removes it from your environments. Nothing was created in AWS for it."
              : "Deleting the environment removes it from your environments, and the platform removes the storage and database it made for it. Your keys are not touched. The audit log keeps its history."}
          </p>
          <ConfirmAction
            label="Delete environment"
            confirmLabel="Yes, delete it"
            question={`Delete ${environment.name}? This cannot be undone.`}
            input={{ environmentId: environment.id }}
            action={deleteEnvironmentAction}
          />
        </Card>
      ) : null}
      <Card className="space-y-3">
        <div className="flex flex-wrap gap-2">
          <a className={buttonClasses("secondary")} href="/api/audit-log?format=csv">Export your organization&apos;s audit log (CSV)</a>
          <a className={buttonClasses("secondary")} href="/api/audit-log?format=json">Export (JSON)</a>
        </div>
        <AuditTimeline entries={timeline} />
      </Card>
    </div>
  );
}
