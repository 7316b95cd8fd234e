import "server-only";
import type { Prisma } from "@/generated/prisma/client";
import { recordCustomerAction } from "@/lib/audit/record";
import type { CustomerCaller } from "@/lib/auth/caller";
import { keyArnsSchema } from "@/lib/byok/arns";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { AppError, fieldErrorsOf } from "@/lib/errors";
import { getEnvironment } from "./get-environment";
import { AWS_UNAVAILABLE_MESSAGE, checkKeysLive } from "./key-checks";
import {
  stepIndex,
  type BasicsInput,
  type EncryptionInput,
  type EnvironmentRef,
  type KeyArnsSubmission,
  type WizardStep,
} from "./schemas";

/**
 * The create-environment wizard's draft lives in the environment row itself (status
 * DRAFT), so every tab, refresh and back/forward sees the same state. Each step is one
 * service; the pipeline has already parsed its input with the step's schema.
 */

function laterStep(current: string, done: WizardStep): WizardStep {
  return stepIndex(current) >= stepIndex(done) ? (current as WizardStep) : done;
}

const ALREADY_SUBMITTED = "This environment has already been submitted; its settings can no longer change.";

async function editableDraft(caller: CustomerCaller, input: EnvironmentRef) {
  const draft = await getEnvironment(caller, input);
  if (draft.status !== "DRAFT") throw new AppError("CONFLICT", ALREADY_SUBMITTED);
  return draft;
}

type LockedDraft = Awaited<ReturnType<typeof lockRow>>;

async function lockRow(tx: Prisma.TransactionClient, id: string, organizationId: string) {
  // The row lock serializes every wizard edit and the submit of one draft: each reads the
  // draft, decides and writes in one transaction, so what submit audits is what it provisions.
  const locked = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM environment WHERE id = ${id}::uuid AND "organizationId" = ${organizationId} FOR UPDATE`;
  if (locked.length === 0) throw new AppError("NOT_FOUND");
  return tx.environment.findUniqueOrThrow({ where: { id } });
}

/**
 * Runs `change` on the caller's draft, locked (SELECT … FOR UPDATE) for the whole transaction;
 * refuses once it has been submitted.
 */
export async function withLockedDraft<T>(
  caller: CustomerCaller,
  input: EnvironmentRef,
  change: (tx: Prisma.TransactionClient, draft: LockedDraft) => Promise<T>,
): Promise<T> {
  const { id } = await getEnvironment(caller, input);
  return db().$transaction(async (tx) => {
    const draft = await lockRow(tx, id, caller.organizationId);
    if (draft.status !== "DRAFT") throw new AppError("CONFLICT", ALREADY_SUBMITTED);
    return change(tx, draft);
  });
}

/** The same lock for submit, which must see a submitted draft rather than refuse it. */
export async function withLockedEnvironment<T>(
  caller: CustomerCaller,
  input: EnvironmentRef,
  run: (tx: Prisma.TransactionClient, environment: LockedDraft) => Promise<T>,
): Promise<T> {
  const { id } = await getEnvironment(caller, input);
  return db().$transaction(async (tx) => run(tx, await lockRow(tx, id, caller.organizationId)));
}

export async function createEnvironmentDraft(caller: CustomerCaller, input: BasicsInput) {
  return db().$transaction(async (tx) => {
    const draft = await tx.environment.create({
      data: {
        organizationId: caller.organizationId,
        createdById: caller.userId,
        name: input.name,
        region: input.region,
        wizardStep: "basics",
      },
    });
    await recordCustomerAction(tx, caller, { environmentId: draft.id, action: "environment.draft.created", details: { name: draft.name, region: draft.region } });
    return draft;
  });
}

export async function updateDraftBasics(caller: CustomerCaller, input: EnvironmentRef & BasicsInput) {
  return withLockedDraft(caller, input, async (tx, draft) => {
    const regionChanged = input.region !== draft.region;
    const updated = await tx.environment.update({
      where: { id: draft.id },
      data: {
        name: input.name,
        region: input.region,
        // Keys live in one region: a new region invalidates the key ARNs and the key instructions.
        ...(regionChanged ? { s3KeyArn: null, rdsKeyArn: null, roleArn: null, wizardStep: stepIndex(draft.wizardStep) > stepIndex("encryption") ? "encryption" : draft.wizardStep } : {}),
      },
    });
    await recordCustomerAction(tx, caller, { environmentId: draft.id, action: "environment.draft.basics_updated", details: { name: updated.name, region: updated.region, keyArnsCleared: regionChanged && Boolean(draft.s3KeyArn) } });
    return updated;
  });
}

export async function chooseEncryption(caller: CustomerCaller, input: EnvironmentRef & EncryptionInput) {
  const mode = input.encryptionMode;
  return withLockedDraft(caller, input, async (tx, draft) => {
    const updated = await tx.environment.update({
      where: { id: draft.id },
      data: {
        encryptionMode: mode,
        wizardStep: mode === draft.encryptionMode ? laterStep(draft.wizardStep, "encryption") : "encryption",
        ...(mode === "VENDOR_MANAGED" ? { s3KeyArn: null, rdsKeyArn: null, roleArn: null, logGroupArn: null, logRoleArn: null } : {}),
      },
    });
    await recordCustomerAction(tx, caller, { environmentId: draft.id, action: "environment.draft.encryption_chosen", details: { encryptionMode: mode } });
    return updated;
  });
}

/** The customer has read the key instructions ("Create your keys" → Next). */
export async function acknowledgeKeyInstructions(caller: CustomerCaller, input: EnvironmentRef) {
  return withLockedDraft(caller, input, async (tx, draft) => {
    if (draft.encryptionMode !== "CUSTOMER_MANAGED") throw new AppError("NOT_FOUND");
    const updated = await tx.environment.update({ where: { id: draft.id }, data: { wizardStep: laterStep(draft.wizardStep, "keys") } });
    // Last in the transaction: audit appends are serialized until commit (lib/audit).
    await recordCustomerAction(tx, caller, { environmentId: draft.id, action: "environment.draft.keys_acknowledged" });
    return updated;
  });
}

/** What a key ARN of an environment in this region is checked against (the form gets the same). */
export function keyArnContext(region: string) {
  const config = env();
  return { partition: config.partition, region, platformAccountId: config.platformAccountId };
}

/**
 * The key ARNs are checked here, not by the pipeline's schema: the rules depend on the
 * draft's region, which only the stored draft knows. Format first, then the live checks
 * through the environment's own platform session (lib/environments/key-checks.ts), outside
 * any transaction; the write then locks the draft and makes sure nothing the checks relied on
 * changed meanwhile.
 */
export async function provideKeyArns(caller: CustomerCaller, input: KeyArnsSubmission) {
  const draft = await editableDraft(caller, input);
  if (draft.encryptionMode !== "CUSTOMER_MANAGED" || draft.keyAccess !== "KEY_POLICY") throw new AppError("NOT_FOUND");
  const { keys, warnings } = await checkKeyArns(caller, draft, input, "environment.draft.key_arns_rejected");
  return withLockedDraft(caller, input, async (tx, locked) => {
    if (locked.encryptionMode !== "CUSTOMER_MANAGED" || locked.keyAccess !== "KEY_POLICY" || locked.region !== draft.region) throw new AppError("CONFLICT");
    const updated = await tx.environment.update({
      where: { id: locked.id },
      data: { s3KeyArn: keys.s3KeyArn, rdsKeyArn: keys.rdsKeyArn, wizardStep: laterStep(locked.wizardStep, "key-arns") },
    });
    await recordCustomerAction(tx, caller, { environmentId: locked.id, action: "environment.draft.key_arns_accepted", details: { s3KeyArn: keys.s3KeyArn, rdsKeyArn: keys.rdsKeyArn, warnings } });
    return updated;
  });
}

/**
 * The key-ARN checks of the wizard, for a draft or a failed environment: format first, then the
 * live checks through the environment's own platform session (lib/environments/key-checks.ts),
 * outside any transaction. A refusal is audited as `rejectedAction` and thrown with a message
 * under each field; callers then lock the row and make sure nothing the checks relied on changed.
 */
export async function checkKeyArns(
  caller: CustomerCaller,
  environment: { id: string; region: string },
  input: { s3KeyArn: string; rdsKeyArn: string },
  rejectedAction: string,
): Promise<{ keys: { s3KeyArn: string; rdsKeyArn: string }; warnings: string[] }> {
  const parsed = keyArnsSchema(keyArnContext(environment.region)).safeParse({ s3KeyArn: input.s3KeyArn, rdsKeyArn: input.rdsKeyArn });
  if (!parsed.success) {
    await recordRejection(caller, environment.id, rejectedAction, fieldErrorsOf(parsed.error), "format");
    throw parsed.error;
  }
  const keys = parsed.data;
  const live = await checkKeysLive({ environmentId: environment.id, organizationId: caller.organizationId, region: environment.region, ...keys });
  if (live.unavailable) throw new AppError("INTERNAL", AWS_UNAVAILABLE_MESSAGE);
  const [firstProblem] = Object.values(live.fieldErrors).flat();
  if (firstProblem !== undefined) {
    await recordRejection(caller, environment.id, rejectedAction, live.fieldErrors, "live");
    throw new AppError("VALIDATION", "A key ARN needs attention: see the message under the field.", { fieldErrors: live.fieldErrors });
  }
  return { keys, warnings: live.warnings };
}

/** Failed validations are part of the audit trail (support sees why a customer got stuck). */
async function recordRejection(caller: CustomerCaller, environmentId: string, action: string, fieldErrors: Record<string, string[]>, stage: "format" | "live") {
  await recordCustomerAction(db(), caller, { environmentId, action, details: { fieldErrors, stage } });
}

/** The warnings the key checks gave when the current key ARNs were accepted (the review page shows them). */
export async function keyArnWarnings(caller: CustomerCaller, input: EnvironmentRef): Promise<string[]> {
  const environment = await getEnvironment(caller, input);
  const accepted = await db().auditEvent.findFirst({
    where: { environmentId: environment.id, organizationId: caller.organizationId, action: "environment.draft.key_arns_accepted" },
    orderBy: { sequence: "desc" },
    select: { details: true },
  });
  const details = accepted?.details;
  if (!details || typeof details !== "object" || Array.isArray(details)) return [];
  const warnings = (details as Record<string, unknown>).warnings;
  const recorded = details as Record<string, unknown>;
  // Role mode records the role and its one key; the key-policy mode both keys.
  const sameKeys =
    environment.keyAccess === "ROLE"
      ? recorded.keyArn === environment.s3KeyArn && recorded.roleArn === environment.roleArn
      : recorded.s3KeyArn === environment.s3KeyArn && recorded.rdsKeyArn === environment.rdsKeyArn;
  return sameKeys && Array.isArray(warnings) ? warnings.filter((warning): warning is string => typeof warning === "string") : [];
}
