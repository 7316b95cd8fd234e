/**
 * The create-environment wizard's real services, called directly with a Caller (no Next, no
 * browser): every step against PostgreSQL, keys made in the AWS sandbox by the customer from
 * the policies the wizard shows, and the provisioning run the submit queues, to Ready.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, test } from "vitest";
import { asCustomer } from "@/lib/auth/access";
import { callerForUser, type CustomerCaller } from "@/lib/auth/caller";
import { db } from "@/lib/db";
import { AppError, publicError } from "@/lib/errors";
import { runUseCase, setRateLimiter } from "@/lib/pipeline/use-case";
import { runProvisioningAttempt } from "@/lib/provisioning/run";
import { createCustomerKey, policyFor, seedOrganization, harnessForFile } from "@/lib/provisioning/__testing__/harness";
import { acknowledgeKeyInstructions, chooseEncryption, createEnvironmentDraft, provideKeyArns, updateDraftBasics } from "./draft";
import { getEnvironment } from "./get-environment";
import { keyTemplate } from "./key-template";
import { getProvisioningStatus } from "./provisioning-status";
import { retryProvisioning, submitEnvironment } from "./submit-environment";
import { createDraftUseCase, keyTemplateUseCase, submitEnvironmentUseCase } from "./use-cases";

const REGION = "eu-west-1";
harnessForFile();

/** A customer admin of a fresh organization, as the request would resolve them. */
async function customerOf(stem: string): Promise<CustomerCaller> {
  const { userId } = await seedOrganization(stem);
  return asCustomer(await callerForUser(userId, { ipAddress: "203.0.113.7" }));
}

/** Runs the attempt a submit queued, as the worker would, and returns the environment's status afterwards. */
async function provision(environmentId: string): Promise<string> {
  const attempt = await db().provisioningAttempt.findFirstOrThrow({ where: { environmentId }, orderBy: { number: "desc" } });
  await runProvisioningAttempt(attempt.id);
  return (await db().environment.findUniqueOrThrow({ where: { id: environmentId } })).status;
}

async function userActions(environmentId: string): Promise<string[]> {
  const events = await db().auditEvent.findMany({ where: { environmentId, actorType: "user" }, orderBy: { sequence: "asc" } });
  return events.map((event) => event.action);
}

async function counts(organizationId: string) {
  return {
    environments: await db().environment.count({ where: { organizationId } }),
    attempts: await db().provisioningAttempt.count({ where: { environment: { organizationId } } }),
  };
}

/** A customer-managed draft of the caller's organization that reached review with well-formed key ARNs. */
async function byokDraftAtReview(caller: CustomerCaller, keys?: { s3KeyArn: string; rdsKeyArn: string }) {
  const draft = await createEnvironmentDraft(caller, { name: "Byok", region: REGION });
  await chooseEncryption(caller, { environmentId: draft.id, encryptionMode: "CUSTOMER_MANAGED" });
  await acknowledgeKeyInstructions(caller, { environmentId: draft.id });
  await provideKeyArns(caller, {
    environmentId: draft.id,
    // Real keys with this environment's statements: the key-ARN step describes them live.
    ...(keys ?? {
      s3KeyArn: await createCustomerKey(REGION, policyFor("s3", draft.id, REGION)),
      rdsKeyArn: await createCustomerKey(REGION, policyFor("rds", draft.id, REGION)),
    }),
  });
  return draft;
}

async function vendorDraftAtReview(caller: CustomerCaller) {
  const draft = await createEnvironmentDraft(caller, { name: "Vendor", region: REGION });
  await chooseEncryption(caller, { environmentId: draft.id, encryptionMode: "VENDOR_MANAGED" });
  return draft;
}

function expectNotFound(promise: Promise<unknown>) {
  return expect(promise).rejects.toMatchObject({ name: "AppError", code: "NOT_FOUND" });
}

describe("the wizard's services, driven with a Caller", () => {
  test("vendor-managed: basics, encryption, submit, provisioned to Ready", async () => {
    const caller = await customerOf("vendorflow");
    const draft = await createEnvironmentDraft(caller, { name: "Production", region: REGION });
    expect(draft).toMatchObject({ organizationId: caller.organizationId, createdById: caller.userId, status: "DRAFT", wizardStep: "basics" });
    await updateDraftBasics(caller, { environmentId: draft.id, name: "Production EU", region: REGION });
    await chooseEncryption(caller, { environmentId: draft.id, encryptionMode: "VENDOR_MANAGED" });
    // No key steps in vendor-managed mode.
    await expectNotFound(acknowledgeKeyInstructions(caller, { environmentId: draft.id }));

    expect(await submitEnvironment(caller, { environmentId: draft.id })).toEqual({ environmentId: draft.id, alreadySubmitted: false });
    expect(await provision(draft.id)).toBe("READY");

    const environment = await getEnvironment(caller, { environmentId: draft.id });
    expect(environment).toMatchObject({ name: "Production EU", encryptionMode: "VENDOR_MANAGED", s3KeyArn: null, status: "READY" });
    expect(environment.tenantName).toMatch(/^[a-z0-9-]+$/);
    expect((await getProvisioningStatus(caller, { environmentId: draft.id })).attempt?.steps.map((step) => step.status)).toEqual([
      "SUCCEEDED",
      "SUCCEEDED",
      "SUCCEEDED",
    ]);
    expect(await userActions(draft.id)).toEqual([
      "environment.draft.created",
      "environment.draft.basics_updated",
      "environment.draft.encryption_chosen",
      "environment.submitted",
      "provisioning.attempt.queued",
    ]);
    // Settings are fixed once submitted.
    await expect(chooseEncryption(caller, { environmentId: draft.id, encryptionMode: "CUSTOMER_MANAGED" })).rejects.toMatchObject({ code: "CONFLICT" });
  });

  test("customer-managed: keys made by the customer from the shown policies, refused ARNs audited, provisioned to Ready", async () => {
    const caller = await customerOf("byokflow");
    const draft = await createEnvironmentDraft(caller, { name: "Production", region: REGION });
    await chooseEncryption(caller, { environmentId: draft.id, encryptionMode: "CUSTOMER_MANAGED" });
    await acknowledgeKeyInstructions(caller, { environmentId: draft.id });

    // An alias is refused with the field's message, and the refusal is in the audit log.
    const refused = await provideKeyArns(caller, {
      environmentId: draft.id,
      s3KeyArn: `arn:aws:kms:${REGION}:123456789012:alias/data`,
      rdsKeyArn: "",
    }).catch((error: unknown) => error);
    const shown = publicError(refused);
    expect(shown).toMatchObject({ code: "VALIDATION", status: 400, message: "Please correct the highlighted fields." });
    expect(shown.fieldErrors.s3KeyArn?.[0]).toContain("This is the ARN of an alias, not of a key.");
    expect(shown.fieldErrors.rdsKeyArn?.[0]).toContain("Enter the ARN of your KMS key");

    const s3KeyArn = await createCustomerKey(REGION, policyFor("s3", draft.id, REGION));
    const rdsKeyArn = await createCustomerKey(REGION, policyFor("rds", draft.id, REGION));
    await provideKeyArns(caller, { environmentId: draft.id, s3KeyArn: `  ${s3KeyArn} `, rdsKeyArn });
    expect((await keyTemplate(caller, { environmentId: draft.id })).yaml).toContain("AWS::KMS::Key");

    expect(await submitEnvironment(caller, { environmentId: draft.id })).toEqual({ environmentId: draft.id, alreadySubmitted: false });
    expect(await provision(draft.id)).toBe("READY");
    expect(await getEnvironment(caller, { environmentId: draft.id })).toMatchObject({ s3KeyArn, rdsKeyArn, status: "READY" });
    expect(await userActions(draft.id)).toEqual([
      "environment.draft.created",
      "environment.draft.encryption_chosen",
      "environment.draft.keys_acknowledged",
      "environment.draft.key_arns_rejected",
      "environment.draft.key_arns_accepted",
      "environment.submitted",
      "provisioning.attempt.queued",
    ]);
  });

  test("another organization's caller gets NOT_FOUND from every service and changes nothing", async () => {
    const owner = await customerOf("owner");
    const stranger = await customerOf("stranger");
    const draft = await byokDraftAtReview(owner);
    const ref = { environmentId: draft.id };
    const before = await db().environment.findUniqueOrThrow({ where: { id: draft.id } });

    await expectNotFound(getEnvironment(stranger, ref));
    await expectNotFound(updateDraftBasics(stranger, { ...ref, name: "Mine now", region: REGION }));
    await expectNotFound(chooseEncryption(stranger, { ...ref, encryptionMode: "VENDOR_MANAGED" }));
    await expectNotFound(acknowledgeKeyInstructions(stranger, ref));
    await expectNotFound(provideKeyArns(stranger, { ...ref, s3KeyArn: before.s3KeyArn ?? "", rdsKeyArn: before.rdsKeyArn ?? "" }));
    await expectNotFound(submitEnvironment(stranger, ref));
    await expectNotFound(retryProvisioning(stranger, ref));
    await expectNotFound(getProvisioningStatus(stranger, ref));
    await expectNotFound(keyTemplate(stranger, ref));
    // Malformed and unknown ids look the same as another tenant's.
    await expectNotFound(getEnvironment(owner, { environmentId: "not-a-uuid" }));
    await expectNotFound(getEnvironment(owner, { environmentId: randomUUID() }));

    expect(await db().environment.findUniqueOrThrow({ where: { id: draft.id } })).toEqual(before);
    expect(await db().auditEvent.count({ where: { environmentId: draft.id, actorUserId: stranger.userId } })).toBe(0);
    expect(await counts(stranger.organizationId)).toEqual({ environments: 0, attempts: 0 });
  });

  test.each([
    ["vendor-managed", vendorDraftAtReview],
    ["customer-managed", (caller: CustomerCaller) => byokDraftAtReview(caller)],
  ])("%s: submitting twice, at once and again later, makes one environment and one attempt", async (_mode, draftAtReview) => {
    const caller = await customerOf("twice");
    const draft = await draftAtReview(caller);
    expect(await counts(caller.organizationId)).toEqual({ environments: 1, attempts: 0 });

    const results = await Promise.all([
      submitEnvironment(caller, { environmentId: draft.id }),
      submitEnvironment(caller, { environmentId: draft.id }),
    ]);
    expect(results.map((result) => result.environmentId)).toEqual([draft.id, draft.id]);
    expect(results.filter((result) => !result.alreadySubmitted)).toHaveLength(1);
    expect(await submitEnvironment(caller, { environmentId: draft.id })).toEqual({ environmentId: draft.id, alreadySubmitted: true });

    expect(await counts(caller.organizationId)).toEqual({ environments: 1, attempts: 1 });
    expect(await db().auditEvent.count({ where: { environmentId: draft.id, action: "environment.submitted" } })).toBe(1);
  });
});

describe("the pipeline's core, without Next", () => {
  test("authorizes, parses with the use case's schema, runs the service and records the use case's audit event", async () => {
    const caller = await customerOf("pipeline");
    const invocation = { caller, ipAddress: caller.ipAddress };

    const refused = await runUseCase(createDraftUseCase, invocation, { name: "x", region: "mars-1" }).catch((error: unknown) => error);
    expect(publicError(refused).fieldErrors).toEqual({
      name: ["Use at least 3 characters for the environment name."],
      region: [expect.stringContaining("Choose one of the supported regions")],
    });

    const { output: draft } = await runUseCase(createDraftUseCase, invocation, { name: "  Via pipeline ", region: REGION, extra: "dropped" });
    expect(draft).toMatchObject({ name: "Via pipeline", region: REGION, organizationId: caller.organizationId });

    await chooseEncryption(caller, { environmentId: draft.id, encryptionMode: "CUSTOMER_MANAGED" });
    const { output: template } = await runUseCase(keyTemplateUseCase, invocation, { environmentId: draft.id });
    expect(template.fileName).toBe("byok-kms-keys.yaml");
    const downloads = await db().auditEvent.findMany({ where: { environmentId: draft.id, action: "environment.template.downloaded" } });
    expect(downloads).toMatchObject([{ actorUserId: caller.userId, ipAddress: "203.0.113.7", organizationId: caller.organizationId }]);
  });

  test("a rate limiter plugged into the pipeline refuses before anything runs", async () => {
    const caller = await customerOf("limited");
    const seen: string[] = [];
    setRateLimiter({
      check: async (request) => {
        seen.push(`${request.useCase} ${request.userId}`);
        throw new AppError("RATE_LIMITED");
      },
    });
    try {
      const refused = await runUseCase(createDraftUseCase, { caller, ipAddress: null }, { name: "Limited", region: REGION }).catch((error: unknown) => error);
      expect(publicError(refused)).toMatchObject({ code: "RATE_LIMITED", status: 429 });
    } finally {
      setRateLimiter(null);
    }
    expect(seen).toEqual([`environment.draft.create ${caller.userId}`]);
    expect(await counts(caller.organizationId)).toEqual({ environments: 0, attempts: 0 });
  });

  test("no caller is UNAUTHENTICATED; support staff and other tenants are NOT_FOUND", async () => {
    const owner = await customerOf("guarded");
    const draft = await vendorDraftAtReview(owner);
    const supportUser = await db().user.create({ data: { id: randomUUID(), name: "Support", email: `support-${randomUUID()}@vendor.example`, role: "support" } });
    const support = await callerForUser(supportUser.id);
    const stranger = await customerOf("guarded-other");
    const submitAs = (caller: typeof support) => runUseCase(submitEnvironmentUseCase, { caller, ipAddress: null }, { environmentId: draft.id });

    await expect(submitAs(null)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(submitAs(support)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(submitAs(stranger)).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(() => asCustomer(support)).toThrow(AppError);
    expect(await counts(owner.organizationId)).toEqual({ environments: 1, attempts: 0 });
  });
});
