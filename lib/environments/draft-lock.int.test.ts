/**
 * Submit and the wizard's edits serialize on the draft's row lock, so what submit audits is
 * exactly what gets provisioned. Deterministic: a gate transaction holds the row lock while the
 * services queue up behind it (seen waiting in pg_stat_activity), then lets them through in order.
 */
import pg from "pg";
import { describe, expect, test } from "vitest";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { byokDraft, customerCaller, harnessForFile } from "@/lib/provisioning/__testing__/harness";
import { chooseEncryption, provideKeyArns, updateDraftBasics } from "./draft";
import { submitEnvironment } from "./submit-environment";

const REGION = "eu-west-1";
const harness = harnessForFile();

/** A transaction that holds the draft's row lock until `release`. */
async function holdDraft(environmentId: string) {
  const client = new pg.Client({ connectionString: harness().databaseUrl, application_name: "draft-lock-gate" });
  await client.connect();
  await client.query("BEGIN");
  await client.query(`SELECT id FROM environment WHERE id = $1 FOR UPDATE`, [environmentId]);
  return {
    async release() {
      await client.query("COMMIT");
      await client.end();
    },
  };
}

/** Waits until `count` sessions are blocked on a lock (the services queued behind the gate). */
async function waitersAtLeast(count: number) {
  await expect
    .poll(async () => {
      const rows = await db().$queryRaw<Array<{ waiting: bigint }>>`SELECT count(*) AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`;
      return Number(rows[0]?.waiting ?? 0);
    }, { timeout: 10_000, interval: 20 })
    .toBeGreaterThanOrEqual(count);
}

async function submittedAudit(environmentId: string) {
  const event = await db().auditEvent.findFirstOrThrow({ where: { environmentId, action: "environment.submitted" } });
  return event.details as Record<string, unknown>;
}

describe("submit and wizard edits on one draft", () => {
  test("submit first, the switch to vendor-managed second: the switch is refused and the audit matches the customer-managed environment", async () => {
    const draft = await byokDraft("race-submit-first", REGION);
    const caller = await customerCaller(draft.userId);
    const gate = await holdDraft(draft.environmentId);
    const submitted = submitEnvironment(caller, { environmentId: draft.environmentId });
    await waitersAtLeast(1);
    const switched = chooseEncryption(caller, { environmentId: draft.environmentId, encryptionMode: "VENDOR_MANAGED" }).catch((error: unknown) => error);
    await waitersAtLeast(2);
    // Both wait; nothing has changed yet.
    expect(await db().environment.findUniqueOrThrow({ where: { id: draft.environmentId } })).toMatchObject({ status: "DRAFT", encryptionMode: "CUSTOMER_MANAGED" });
    await gate.release();

    expect(await submitted).toEqual({ environmentId: draft.environmentId, alreadySubmitted: false });
    const refused = await switched;
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: "CONFLICT", userMessage: "This environment has already been submitted; its settings can no longer change." });
    const environment = await db().environment.findUniqueOrThrow({ where: { id: draft.environmentId } });
    expect(environment).toMatchObject({ status: "PROVISIONING", encryptionMode: "CUSTOMER_MANAGED", s3KeyArn: draft.s3KeyArn, rdsKeyArn: draft.rdsKeyArn });
    expect(await submittedAudit(draft.environmentId)).toEqual({ encryptionMode: "CUSTOMER_MANAGED", region: REGION, s3KeyArn: draft.s3KeyArn, rdsKeyArn: draft.rdsKeyArn });
    expect(await db().auditEvent.count({ where: { environmentId: draft.environmentId, action: "environment.draft.encryption_chosen" } })).toBe(1);
  });

  test("the switch first, submit second: submit waits for it, then audits and provisions the vendor-managed draft it finds", async () => {
    const draft = await byokDraft("race-switch-first", REGION);
    const caller = await customerCaller(draft.userId);
    const gate = await holdDraft(draft.environmentId);
    const switched = chooseEncryption(caller, { environmentId: draft.environmentId, encryptionMode: "VENDOR_MANAGED" });
    await waitersAtLeast(1);
    const submitted = submitEnvironment(caller, { environmentId: draft.environmentId }).catch((error: unknown) => error);
    await waitersAtLeast(2);
    await gate.release();

    await switched;
    // The vendor-managed draft stands at the encryption step, which is complete: submit goes through with it.
    expect(await submitted).toEqual({ environmentId: draft.environmentId, alreadySubmitted: false });
    const environment = await db().environment.findUniqueOrThrow({ where: { id: draft.environmentId } });
    expect(environment).toMatchObject({ status: "PROVISIONING", encryptionMode: "VENDOR_MANAGED", s3KeyArn: null, rdsKeyArn: null });
    expect(await submittedAudit(draft.environmentId)).toEqual({ encryptionMode: "VENDOR_MANAGED", region: REGION, s3KeyArn: null, rdsKeyArn: null });
  });

  test("a region change and new key ARNs wait for submit too, and are refused once it went through", async () => {
    const draft = await byokDraft("race-edits", REGION);
    const caller = await customerCaller(draft.userId);
    const gate = await holdDraft(draft.environmentId);
    const submitted = submitEnvironment(caller, { environmentId: draft.environmentId });
    await waitersAtLeast(1);
    const renamed = updateDraftBasics(caller, { environmentId: draft.environmentId, name: "Renamed", region: "us-east-1" }).catch((error: unknown) => error);
    await waitersAtLeast(2);
    await gate.release();
    await submitted;
    expect(await renamed).toMatchObject({ code: "CONFLICT" });
    // provideKeyArns runs its checks first and then takes the lock: refused as well.
    expect(await provideKeyArns(caller, { environmentId: draft.environmentId, s3KeyArn: draft.s3KeyArn, rdsKeyArn: draft.rdsKeyArn }).catch((error: unknown) => error)).toMatchObject({ code: "CONFLICT" });
    expect(await db().environment.findUniqueOrThrow({ where: { id: draft.environmentId } })).toMatchObject({ name: "Production", region: REGION });
  });
});
