import "server-only";
import { recordAudit } from "@/lib/audit/record";
import type { CustomerCaller } from "@/lib/auth/caller";
import { keyArnsSchema } from "@/lib/byok/arns";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { AppError, fieldErrorsOf } from "@/lib/errors";
import { getEnvironment } from "./get-environment";
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

async function editableDraft(caller: CustomerCaller, input: EnvironmentRef) {
  const draft = await getEnvironment(caller, input);
  if (draft.status !== "DRAFT") {
    throw new AppError("CONFLICT", "This environment has already been submitted; its settings can no longer change.");
  }
  return draft;
}

function auditActor(caller: CustomerCaller) {
  return { type: "user" as const, userId: caller.userId };
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
    await recordAudit(tx, {
      organizationId: caller.organizationId,
      environmentId: draft.id,
      actor: auditActor(caller),
      action: "environment.draft.created",
      ipAddress: caller.ipAddress,
      details: { name: draft.name, region: draft.region },
    });
    return draft;
  });
}

export async function updateDraftBasics(caller: CustomerCaller, input: EnvironmentRef & BasicsInput) {
  const draft = await editableDraft(caller, input);
  const regionChanged = input.region !== draft.region;
  return db().$transaction(async (tx) => {
    const updated = await tx.environment.update({
      where: { id: draft.id },
      data: {
        name: input.name,
        region: input.region,
        // Keys live in one region: a new region invalidates the key ARNs and the key instructions.
        ...(regionChanged ? { s3KeyArn: null, rdsKeyArn: null, wizardStep: stepIndex(draft.wizardStep) > stepIndex("encryption") ? "encryption" : draft.wizardStep } : {}),
      },
    });
    await recordAudit(tx, {
      organizationId: caller.organizationId,
      environmentId: draft.id,
      actor: auditActor(caller),
      action: "environment.draft.basics_updated",
      ipAddress: caller.ipAddress,
      details: { name: updated.name, region: updated.region, keyArnsCleared: regionChanged && Boolean(draft.s3KeyArn) },
    });
    return updated;
  });
}

export async function chooseEncryption(caller: CustomerCaller, input: EnvironmentRef & EncryptionInput) {
  const draft = await editableDraft(caller, input);
  const mode = input.encryptionMode;
  return db().$transaction(async (tx) => {
    const updated = await tx.environment.update({
      where: { id: draft.id },
      data: {
        encryptionMode: mode,
        wizardStep: mode === draft.encryptionMode ? laterStep(draft.wizardStep, "encryption") : "encryption",
        ...(mode === "VENDOR_MANAGED" ? { s3KeyArn: null, rdsKeyArn: null } : {}),
      },
    });
    await recordAudit(tx, {
      organizationId: caller.organizationId,
      environmentId: draft.id,
      actor: auditActor(caller),
      action: "environment.draft.encryption_chosen",
      ipAddress: caller.ipAddress,
      details: { encryptionMode: mode },
    });
    return updated;
  });
}

/** The customer has read the key instructions ("Create your keys" → Next). */
export async function acknowledgeKeyInstructions(caller: CustomerCaller, input: EnvironmentRef) {
  const draft = await editableDraft(caller, input);
  if (draft.encryptionMode !== "CUSTOMER_MANAGED") throw new AppError("NOT_FOUND");
  return db().environment.update({ where: { id: draft.id }, data: { wizardStep: laterStep(draft.wizardStep, "keys") } });
}

/** What a key ARN of an environment in this region is checked against (the form gets the same). */
export function keyArnContext(region: string) {
  const config = env();
  return { partition: config.partition, region, platformAccountId: config.platformAccountId };
}

/**
 * The key ARNs are checked here, not by the pipeline's schema: the rules depend on the
 * draft's region, which only the stored draft knows.
 */
export async function provideKeyArns(caller: CustomerCaller, input: KeyArnsSubmission) {
  const draft = await editableDraft(caller, input);
  if (draft.encryptionMode !== "CUSTOMER_MANAGED") throw new AppError("NOT_FOUND");
  const parsed = keyArnsSchema(keyArnContext(draft.region)).safeParse({ s3KeyArn: input.s3KeyArn, rdsKeyArn: input.rdsKeyArn });
  if (!parsed.success) {
    // Failed validations are part of the audit trail (support sees why a customer got stuck).
    await recordAudit(db(), {
      organizationId: caller.organizationId,
      environmentId: draft.id,
      actor: auditActor(caller),
      action: "environment.draft.key_arns_rejected",
      ipAddress: caller.ipAddress,
      details: { fieldErrors: fieldErrorsOf(parsed.error) },
    });
    throw parsed.error;
  }
  return db().$transaction(async (tx) => {
    const updated = await tx.environment.update({
      where: { id: draft.id },
      data: { s3KeyArn: parsed.data.s3KeyArn, rdsKeyArn: parsed.data.rdsKeyArn, wizardStep: laterStep(draft.wizardStep, "key-arns") },
    });
    await recordAudit(tx, {
      organizationId: caller.organizationId,
      environmentId: draft.id,
      actor: auditActor(caller),
      action: "environment.draft.key_arns_accepted",
      ipAddress: caller.ipAddress,
      details: { s3KeyArn: parsed.data.s3KeyArn, rdsKeyArn: parsed.data.rdsKeyArn },
    });
    return updated;
  });
}
