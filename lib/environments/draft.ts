import "server-only";
import { recordAudit } from "@/lib/audit/record";
import { requireOwnOrganization, type Caller } from "@/lib/auth/session";
import { keyArnsSchema } from "@/lib/byok/arns";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { getEnvironment } from "./get-environment";
import {
  basicsSchema,
  encryptionSchema,
  stepIndex,
  type WizardStep,
} from "./schemas";

/**
 * The create-environment wizard's draft lives in the environment row itself (status
 * DRAFT), so every tab, refresh and back/forward sees the same state.
 */

function validationError(error: { flatten(): { fieldErrors: Record<string, string[] | undefined> } }): AppError {
  const fieldErrors = Object.fromEntries(
    Object.entries(error.flatten().fieldErrors).filter((entry): entry is [string, string[]] => Array.isArray(entry[1])),
  );
  return new AppError("VALIDATION", "Please correct the highlighted fields.", { fieldErrors });
}

function laterStep(current: string, done: WizardStep): WizardStep {
  return stepIndex(current) >= stepIndex(done) ? (current as WizardStep) : done;
}

/** A draft of the caller's organization (the same NOT_FOUND rules as any environment). */
export async function getDraft(options: { environmentId: string }) {
  const caller = await requireOwnOrganization();
  const draft = await getEnvironment(options);
  return { caller, draft };
}

async function editableDraft(environmentId: string) {
  const { caller, draft } = await getDraft({ environmentId });
  if (draft.status !== "DRAFT") {
    throw new AppError("CONFLICT", "This environment has already been submitted; its settings can no longer change.");
  }
  return { caller, draft };
}

function auditActor(caller: Caller) {
  return { type: "user" as const, userId: caller.userId };
}

export async function createEnvironmentDraft(options: { input: unknown }) {
  const caller = await requireOwnOrganization();
  const parsed = basicsSchema(env().supportedRegions).safeParse(options.input);
  if (!parsed.success) throw validationError(parsed.error);
  return db().$transaction(async (tx) => {
    const draft = await tx.environment.create({
      data: {
        organizationId: caller.organizationId,
        createdById: caller.userId,
        name: parsed.data.name,
        region: parsed.data.region,
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

export async function updateDraftBasics(options: { environmentId: string; input: unknown }) {
  const { caller, draft } = await editableDraft(options.environmentId);
  const parsed = basicsSchema(env().supportedRegions).safeParse(options.input);
  if (!parsed.success) throw validationError(parsed.error);
  const regionChanged = parsed.data.region !== draft.region;
  return db().$transaction(async (tx) => {
    const updated = await tx.environment.update({
      where: { id: draft.id },
      data: {
        name: parsed.data.name,
        region: parsed.data.region,
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

export async function chooseEncryption(options: { environmentId: string; input: unknown }) {
  const { caller, draft } = await editableDraft(options.environmentId);
  const parsed = encryptionSchema.safeParse(options.input);
  if (!parsed.success) throw validationError(parsed.error);
  const mode = parsed.data.encryptionMode;
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
export async function acknowledgeKeyInstructions(options: { environmentId: string }) {
  const { draft } = await editableDraft(options.environmentId);
  if (draft.encryptionMode !== "CUSTOMER_MANAGED") throw new AppError("NOT_FOUND");
  return db().environment.update({ where: { id: draft.id }, data: { wizardStep: laterStep(draft.wizardStep, "keys") } });
}

export function keyArnContext(region: string) {
  const config = env();
  return { partition: config.partition, region, platformAccountId: config.platformAccountId };
}

export async function provideKeyArns(options: { environmentId: string; input: unknown }) {
  const { caller, draft } = await editableDraft(options.environmentId);
  if (draft.encryptionMode !== "CUSTOMER_MANAGED") throw new AppError("NOT_FOUND");
  const parsed = keyArnsSchema(keyArnContext(draft.region)).safeParse(options.input);
  if (!parsed.success) {
    const error = validationError(parsed.error);
    // Failed validations are part of the audit trail (support sees why a customer got stuck).
    await recordAudit(db(), {
      organizationId: caller.organizationId,
      environmentId: draft.id,
      actor: auditActor(caller),
      action: "environment.draft.key_arns_rejected",
      ipAddress: caller.ipAddress,
      details: { fieldErrors: error.fieldErrors ?? {} },
    });
    throw error;
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
