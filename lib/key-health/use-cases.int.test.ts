/**
 * Key health's use cases through the pipeline's core (runUseCase) with real callers, PostgreSQL
 * and the AWS sandbox: who may read and check which environment, the rate limit's words, and
 * the audit event of a check someone asked for.
 */
import { DisableKeyCommand } from "@aws-sdk/client-kms";
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, test } from "vitest";
import { asSupport } from "@/lib/auth/access";
import { callerForUser, type CustomerCaller, type SupportCaller } from "@/lib/auth/caller";
import { db } from "@/lib/db";
import { runUseCase } from "@/lib/pipeline/use-case";
import { runProvisioningAttempt } from "@/lib/provisioning/run";
import { byokDraft, createDraft, customerCaller, customerKms, harnessForFile, seedOrganization, submit } from "@/lib/provisioning/__testing__/harness";
import { checkedRecentlyMessage } from "./for-caller";
import { checkKeyHealthNowUseCase, keyHealthUseCase, supportCheckKeyHealthNowUseCase, supportKeyHealthUseCase } from "./use-cases";

const REGION = "eu-west-1";
harnessForFile();

let support: SupportCaller;
beforeAll(async () => {
  const user = await db().user.create({ data: { id: randomUUID(), name: "Support", email: `support-${randomUUID()}@vendor.example`, role: "support" } });
  support = asSupport(await callerForUser(user.id, { ipAddress: "198.51.100.7" }));
});

async function readyByok(stem: string) {
  const draft = await byokDraft(stem, REGION);
  const { attemptId } = await submit(draft.environmentId, draft.userId);
  expect(await runProvisioningAttempt(attemptId)).toBe("succeeded");
  const caller: CustomerCaller = { ...(await customerCaller(draft.userId)), ipAddress: "203.0.113.9" };
  return { ...draft, caller };
}

const as = <C extends CustomerCaller | SupportCaller>(caller: C) => ({ caller, ipAddress: caller.ipAddress });

describe("key-health use cases", () => {
  test("the customer checks now: the new state, an audit event with the customer as actor, and a second check within the minute refused with the wait", async () => {
    const environment = await readyByok("kh-customer");
    const kms = customerKms(REGION);
    await kms.send(new DisableKeyCommand({ KeyId: environment.s3KeyArn }));
    kms.destroy();

    const { output } = await runUseCase(checkKeyHealthNowUseCase, as(environment.caller), { environmentId: environment.environmentId });
    expect(output.organizationId).toBe(environment.organizationId);
    expect(output.snapshot).toMatchObject({ environmentId: environment.environmentId, state: "KEY_DISABLED" });
    const audit = await db().auditEvent.findMany({ where: { environmentId: environment.environmentId, action: "key-health.check-requested" } });
    expect(audit).toMatchObject([{ actorType: "user", actorUserId: environment.userId, ipAddress: "203.0.113.9", details: { state: "KEY_DISABLED" } }]);

    const read = await runUseCase(keyHealthUseCase, as(environment.caller), { environmentId: environment.environmentId });
    expect(read.output?.state).toBe("KEY_DISABLED");

    // Customer and support share the once-a-minute limit of one environment.
    const refusal = { code: "RATE_LIMITED", userMessage: expect.stringMatching(/^Checked less than a minute ago\. Try again in \d+ seconds?\.$/) };
    await expect(runUseCase(checkKeyHealthNowUseCase, as(environment.caller), { environmentId: environment.environmentId })).rejects.toMatchObject(refusal);
    await expect(runUseCase(supportCheckKeyHealthNowUseCase, as(support), { environmentId: environment.environmentId })).rejects.toMatchObject(refusal);
    expect(await db().auditEvent.count({ where: { environmentId: environment.environmentId, action: "key-health.check-requested" } })).toBe(1);
  });

  test("another organization's environment, a malformed id and a missing one are NOT_FOUND for the customer; support reads and checks any", async () => {
    const environment = await readyByok("kh-owner");
    const stranger = await customerCaller((await seedOrganization("kh-stranger")).userId);
    for (const environmentId of [environment.environmentId, "not-a-uuid", randomUUID()]) {
      await expect(runUseCase(keyHealthUseCase, as(stranger), { environmentId })).rejects.toMatchObject({ code: "NOT_FOUND" });
      await expect(runUseCase(checkKeyHealthNowUseCase, as(stranger), { environmentId })).rejects.toMatchObject({ code: "NOT_FOUND" });
    }
    await expect(runUseCase(supportKeyHealthUseCase, as(support), { environmentId: randomUUID() })).rejects.toMatchObject({ code: "NOT_FOUND" });
    // Customers cannot reach support's use cases at all.
    await expect(runUseCase(supportKeyHealthUseCase, as(environment.caller), { environmentId: environment.environmentId })).rejects.toMatchObject({ code: "NOT_FOUND" });

    const { output } = await runUseCase(supportCheckKeyHealthNowUseCase, as(support), { environmentId: environment.environmentId });
    expect(output.snapshot.state).toBe("HEALTHY");
    const audit = await db().auditEvent.findMany({ where: { environmentId: environment.environmentId, action: "key-health.check-requested" } });
    expect(audit).toMatchObject([{ actorType: "support", actorUserId: support.userId, organizationId: environment.organizationId }]);
    expect((await runUseCase(supportKeyHealthUseCase, as(support), { environmentId: environment.environmentId })).output?.history).toMatchObject([
      { fromState: "UNKNOWN", toState: "HEALTHY", cause: "support-check-now" },
    ]);
  });

  test("an environment that is not a Ready customer-managed one cannot be checked, and says why", async () => {
    const org = await seedOrganization("kh-vendor");
    const caller = await customerCaller(org.userId);
    const environmentId = await createDraft(org);
    await expect(runUseCase(checkKeyHealthNowUseCase, as(caller), { environmentId })).rejects.toMatchObject({ code: "CONFLICT", userMessage: expect.stringContaining("vendor-managed keys") });
    expect((await runUseCase(keyHealthUseCase, as(caller), { environmentId })).output).toBeNull();
  });

  test("the rate limit's words", () => {
    expect(checkedRecentlyMessage(42)).toBe("Checked less than a minute ago. Try again in 42 seconds.");
    expect(checkedRecentlyMessage(0.2)).toBe("Checked less than a minute ago. Try again in 1 second.");
  });
});
