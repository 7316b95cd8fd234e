import "server-only";
import type { Prisma } from "@/generated/prisma/client";
import { recordCustomerAction } from "@/lib/audit/record";
import type { CustomerCaller } from "@/lib/auth/caller";
import { forgetCustomerRoleSessions } from "@/lib/aws/customer-role";
import { roleKeySchema } from "@/lib/byok/role-arns";
import { newExternalId, type RoleModeValues } from "@/lib/byok/role-mode";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { AppError, fieldErrorsOf, type FieldErrors } from "@/lib/errors";
import { logForwardingSchema } from "@/lib/key-use-log/arns";
import { keyArnContext, withLockedDraft } from "./draft";
import { getEnvironment } from "./get-environment";
import { AWS_UNAVAILABLE_MESSAGE } from "./key-checks";
import { checkRoleKeyLive } from "./role-checks";
import { stepIndex, type EnvironmentRef, type KeyAccessMode, type RoleKeySubmission } from "./schemas";

/**
 * Role mode (F8) for the customer: the organization's External ID, the values the role's
 * documents are made from, the choice of mode on the keys step and the key-ARN step's role and key.
 */

/**
 * The organization's External ID, issued on first use: one conditional UPDATE, so two requests
 * at once issue one value, and a trigger keeps it from ever changing afterwards.
 */
export async function organizationExternalId(organizationId: string, client: Prisma.TransactionClient | ReturnType<typeof db> = db()): Promise<string> {
  await client.$executeRaw`UPDATE "organization" SET "externalId" = ${newExternalId()} WHERE "id" = ${organizationId} AND "externalId" IS NULL`;
  const organization = await client.organization.findUnique({ where: { id: organizationId }, select: { externalId: true } });
  if (!organization?.externalId) throw new AppError("NOT_FOUND");
  return organization.externalId;
}

/** The values role mode's documents are built from, for the caller's organization. */
export async function roleModeValuesFor(organizationId: string): Promise<RoleModeValues> {
  const config = env();
  const [externalId, organization] = await Promise.all([
    organizationExternalId(organizationId),
    db().organization.findUniqueOrThrow({ where: { id: organizationId }, select: { slug: true } }),
  ]);
  return { partition: config.partition, platformAccountId: config.platformAccountId, platformRoleArn: config.platformRoleArn, externalId, tenant: organization.slug };
}

function laterStep(current: string, done: string): string {
  return stepIndex(current) >= stepIndex(done) ? current : done;
}

/**
 * "How the platform reaches your keys". Changing the mode forgets the key ARNs (and the role)
 * given for the other one: they were checked against the other mode's rules.
 */
export async function chooseKeyAccess(caller: CustomerCaller, input: EnvironmentRef & { keyAccess: KeyAccessMode }) {
  return withLockedDraft(caller, input, async (tx, draft) => {
    if (draft.encryptionMode !== "CUSTOMER_MANAGED") throw new AppError("NOT_FOUND");
    if (draft.keyAccess === input.keyAccess) return draft;
    const updated = await tx.environment.update({
      where: { id: draft.id },
      data: {
        keyAccess: input.keyAccess,
        s3KeyArn: null,
        rdsKeyArn: null,
        roleArn: null,
        wizardStep: stepIndex(draft.wizardStep) > stepIndex("encryption") ? "encryption" : draft.wizardStep,
      },
    });
    if (input.keyAccess === "ROLE") await organizationExternalId(caller.organizationId, tx);
    await recordCustomerAction(tx, caller, { environmentId: draft.id, action: "environment.draft.key_access_chosen", details: { keyAccess: input.keyAccess, keyArnsCleared: Boolean(draft.s3KeyArn || draft.roleArn) } });
    return updated;
  });
}

/** The optional log forwarding fields: both or neither. */
function parseLogForwarding(input: RoleKeySubmission): { ok: true; logGroupArn: string | null; logRoleArn: string | null } | { ok: false; fieldErrors: FieldErrors } {
  const group = input.logGroupArn?.trim() ?? "";
  const role = input.logRoleArn?.trim() ?? "";
  if (group === "" && role === "") return { ok: true, logGroupArn: null, logRoleArn: null };
  const parsed = logForwardingSchema.safeParse({ logGroupArn: group, logRoleArn: role });
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsOf(parsed.error) };
  return { ok: true, logGroupArn: parsed.data.logGroupArn, logRoleArn: parsed.data.logRoleArn };
}

/**
 * Role mode's key-ARN checks, for a draft or a failed environment: format, then live through
 * the role (lib/environments/role-checks.ts), outside any transaction. A refusal is audited.
 */
export async function checkRoleKey(
  caller: CustomerCaller,
  environment: { id: string; region: string },
  input: RoleKeySubmission,
  rejectedAction: string,
): Promise<{ roleArn: string; keyArn: string; logGroupArn: string | null; logRoleArn: string | null; warnings: string[] }> {
  const parsed = roleKeySchema(keyArnContext(environment.region)).safeParse({ roleArn: input.roleArn, keyArn: input.keyArn });
  const logs = parseLogForwarding(input);
  if (!parsed.success || !logs.ok) {
    const fieldErrors = { ...(parsed.success ? {} : fieldErrorsOf(parsed.error)), ...(logs.ok ? {} : logs.fieldErrors) };
    await recordCustomerAction(db(), caller, { environmentId: environment.id, action: rejectedAction, details: { fieldErrors, stage: "format" } });
    throw new AppError("VALIDATION", "Some fields need attention: see the message under each.", { fieldErrors });
  }
  const values = await roleModeValuesFor(caller.organizationId);
  // A changed role or trust policy must be judged afresh, not through a session opened before.
  forgetCustomerRoleSessions(environment.id);
  const live = await checkRoleKeyLive({
    environmentId: environment.id,
    organizationId: caller.organizationId,
    region: environment.region,
    roleArn: parsed.data.roleArn,
    keyArn: parsed.data.keyArn,
    externalId: values.externalId,
    tenant: values.tenant,
    platformRoleArn: values.platformRoleArn,
    logGroupArn: logs.logGroupArn,
  });
  if (live.unavailable) throw new AppError("INTERNAL", AWS_UNAVAILABLE_MESSAGE);
  if (Object.values(live.fieldErrors).flat().length > 0) {
    // The audit log is read by support staff, who may know that an External ID exists, not its value.
    const redacted = Object.fromEntries(Object.entries(live.fieldErrors).map(([field, messages]) => [field, (messages ?? []).map((message) => message.replaceAll(values.externalId, "<External ID>"))]));
    await recordCustomerAction(db(), caller, { environmentId: environment.id, action: rejectedAction, details: { fieldErrors: redacted, stage: "live" } });
    throw new AppError("VALIDATION", "The role or the key needs attention: see the message under the field.", { fieldErrors: live.fieldErrors });
  }
  return { ...parsed.data, logGroupArn: logs.logGroupArn, logRoleArn: logs.logRoleArn, warnings: live.warnings };
}

/** The wizard's key-ARN step in role mode. */
export async function provideRoleKey(caller: CustomerCaller, input: RoleKeySubmission) {
  const draft = await getEnvironment(caller, input);
  if (draft.status !== "DRAFT") throw new AppError("CONFLICT", "This environment has already been submitted; its settings can no longer change.");
  if (draft.encryptionMode !== "CUSTOMER_MANAGED" || draft.keyAccess !== "ROLE") throw new AppError("NOT_FOUND");
  const checked = await checkRoleKey(caller, draft, input, "environment.draft.key_arns_rejected");
  return withLockedDraft(caller, input, async (tx, locked) => {
    if (locked.encryptionMode !== "CUSTOMER_MANAGED" || locked.keyAccess !== "ROLE" || locked.region !== draft.region) throw new AppError("CONFLICT");
    const updated = await tx.environment.update({
      where: { id: locked.id },
      data: {
        roleArn: checked.roleArn,
        s3KeyArn: checked.keyArn,
        rdsKeyArn: null,
        logGroupArn: checked.logGroupArn,
        logRoleArn: checked.logRoleArn,
        wizardStep: laterStep(locked.wizardStep, "key-arns"),
      },
    });
    await recordCustomerAction(tx, caller, {
      environmentId: locked.id,
      action: "environment.draft.key_arns_accepted",
      details: { keyAccess: "ROLE", roleArn: checked.roleArn, keyArn: checked.keyArn, logGroupArn: checked.logGroupArn, logRoleArn: checked.logRoleArn, warnings: checked.warnings },
    });
    return updated;
  });
}
