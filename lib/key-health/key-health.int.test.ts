/**
 * Key health against the AWS sandbox and a real database: Ready customer-managed environments
 * made through the wizard's services and the provisioning run, then the customer breaks and
 * repairs their keys with their own credentials, as they would in their account.
 */
import {
  CancelKeyDeletionCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  ListGrantsCommand,
  PutKeyPolicyCommand,
  RevokeGrantCommand,
  ScheduleKeyDeletionCommand,
} from "@aws-sdk/client-kms";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { STATEMENT_IDS } from "@/lib/byok/policies";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { runProvisioningAttempt } from "@/lib/provisioning/run";
import {
  addFault,
  byokDraft,
  clearFaults,
  customerKms,
  platformSessionArn,
  policyFor,
  startHarness,
  submit,
  trail,
  type Harness,
} from "@/lib/provisioning/__testing__/harness";
import { startSandbox, type RunningSandbox } from "@/sandbox/server";
import { CANARY_PURPOSE, environmentCheckDeps } from "./check";
import { ensureMissingKeyHealthRows, readKeyHealth, requestCheckNow, runKeyHealthCheck, type KeyHealthCheckResult } from "./service";
import { startKeyHealthScheduler } from "./scheduler";
import { UNREACHABLE_ALERT_THRESHOLD } from "./states";

const REGION = "eu-west-1";
let sandbox: RunningSandbox;
let harness: Harness;

beforeAll(async () => {
  // RDS notices a lost key at once here (AWS takes minutes), so a test sees the cluster's reaction.
  sandbox = await startSandbox({ port: 0, rdsCreateDelayMs: 0, rdsKeyLossDelayMs: 0 });
  harness = await startHarness(inject("databaseAdminUrl"), { sandboxUrl: sandbox.url });
});

afterAll(async () => {
  await harness?.close();
  await sandbox?.close();
});

type Draft = Awaited<ReturnType<typeof byokDraft>>;

async function readyByok(stem: string, adjust?: Parameters<typeof byokDraft>[2]): Promise<Draft> {
  const draft = await byokDraft(stem, REGION, adjust);
  const { attemptId } = await submit(draft.environmentId, draft.userId);
  expect(await runProvisioningAttempt(attemptId)).toBe("succeeded");
  return draft;
}

async function asCustomer<T>(send: (kms: ReturnType<typeof customerKms>) => Promise<T>): Promise<T> {
  const kms = customerKms(REGION);
  try {
    return await send(kms);
  } finally {
    kms.destroy();
  }
}

const notificationsOf = (environmentId: string) => db().notification.findMany({ where: { environmentId }, orderBy: { createdAt: "asc" } });
const transitionsOf = (environmentId: string) => db().keyHealthTransition.findMany({ where: { environmentId }, orderBy: { createdAt: "asc" } });

async function tenantNameOf(environmentId: string): Promise<string> {
  const environment = await db().environment.findUniqueOrThrow({ where: { id: environmentId }, select: { tenantName: true } });
  if (!environment.tenantName) throw new Error("a Ready environment has a tenant name");
  return environment.tenantName;
}

describe("a Ready customer-managed environment", () => {
  test("gets its key health row when it becomes Ready; the first check finds it Healthy, tells no one, and its key use names tenant, environment and purpose", async () => {
    const draft = await readyByok("first");
    expect(await db().keyHealth.findUnique({ where: { environmentId: draft.environmentId } })).toMatchObject({ state: "UNKNOWN", organizationId: draft.organizationId });

    const result = await runKeyHealthCheck(draft.environmentId, "scheduled");
    expect(result).toMatchObject({ previousState: "UNKNOWN", state: "HEALTHY", throttled: false, alerts: [] });
    const snapshot = await readKeyHealth(draft.environmentId);
    expect(snapshot).toMatchObject({ state: "HEALTHY", rotationOff: true, unreachableCount: 0 });
    // The sandbox's keys start with rotation off, as KMS's do.
    expect(snapshot?.findings.keys.map((k) => [k.kind, k.preflight, k.keyState, k.rotationEnabled])).toEqual([
      ["s3", "read", "Enabled", false],
      ["rds", "read", "Enabled", false],
    ]);
    expect(snapshot?.findings.paths.map((p) => [p.path, p.ok])).toEqual([
      ["s3", true],
      ["rds", true],
    ]);
    expect(snapshot?.history).toMatchObject([{ fromState: "UNKNOWN", toState: "HEALTHY", cause: "scheduled" }]);
    expect(await notificationsOf(draft.environmentId)).toHaveLength(0);

    const slug = (await db().organization.findUniqueOrThrow({ where: { id: draft.organizationId } })).slug;
    const canaryKeyUse = (await trail(harness.sandboxUrl, { keyArn: draft.s3KeyArn })).filter((e) => e.encryptionContext?.purpose === CANARY_PURPOSE);
    expect(canaryKeyUse.map((e) => e.action).sort()).toEqual(["Decrypt", "GenerateDataKey"]);
    for (const event of canaryKeyUse) {
      expect(event).toMatchObject({ principal: platformSessionArn(draft.environmentId), result: "allowed", viaService: `s3.${REGION}.amazonaws.com` });
      expect(event.encryptionContext).toMatchObject({ tenant: slug, environment: draft.environmentId, purpose: CANARY_PURPOSE });
    }
  });

  test("S3 key disabled: Key disabled with a notification and a transition; enabled again: Healthy and a recovery notification", async () => {
    const draft = await readyByok("disable");
    const tenantName = await tenantNameOf(draft.environmentId);
    await runKeyHealthCheck(draft.environmentId, "scheduled");

    await asCustomer((kms) => kms.send(new DisableKeyCommand({ KeyId: draft.s3KeyArn })));
    const disabled = await runKeyHealthCheck(draft.environmentId, "check-now");
    expect(disabled).toMatchObject({ previousState: "HEALTHY", state: "KEY_DISABLED" });
    const [alert] = await notificationsOf(draft.environmentId);
    expect(alert).toMatchObject({ kind: "key-health.degraded", severity: "critical", title: `Key disabled: the S3 key of ${tenantName}`, organizationId: draft.organizationId });
    expect(alert?.body).toContain(`aws kms enable-key --key-id ${draft.s3KeyArn}`);
    const transitions = await transitionsOf(draft.environmentId);
    expect(transitions.at(-1)).toMatchObject({ fromState: "HEALTHY", toState: "KEY_DISABLED", cause: "check-now", awsError: expect.objectContaining({ key: "s3" }) });
    const audit = await db().auditEvent.findMany({ where: { environmentId: draft.environmentId, action: "key-health.state-changed" }, orderBy: { sequence: "asc" } });
    expect(audit.at(-1)).toMatchObject({ actorType: "platform", details: expect.objectContaining({ from: "HEALTHY", to: "KEY_DISABLED", cause: "check-now" }) });
    expect((await readKeyHealth(draft.environmentId))?.findings.problem).toMatchObject({ key: "s3" });

    // Checked again while still disabled: no new transition, no new alert.
    await runKeyHealthCheck(draft.environmentId, "scheduled");
    expect(await notificationsOf(draft.environmentId)).toHaveLength(1);

    await asCustomer((kms) => kms.send(new EnableKeyCommand({ KeyId: draft.s3KeyArn })));
    expect(await runKeyHealthCheck(draft.environmentId, "scheduled")).toMatchObject({ previousState: "KEY_DISABLED", state: "HEALTHY" });
    const notifications = await notificationsOf(draft.environmentId);
    expect(notifications.map((n) => [n.kind, n.severity])).toEqual([
      ["key-health.degraded", "critical"],
      ["key-health.recovered", "info"],
    ]);
    expect(notifications[1]?.title).toBe(`Healthy again: the keys of ${tenantName}`);
  });

  test("RDS key scheduled for deletion: Pending deletion with its date and the cancel command; cancelled and enabled: the cluster is started again and the state is Healthy", async () => {
    const draft = await readyByok("deletion");
    const tenantName = await tenantNameOf(draft.environmentId);
    await runKeyHealthCheck(draft.environmentId, "scheduled");

    const scheduled = await asCustomer((kms) => kms.send(new ScheduleKeyDeletionCommand({ KeyId: draft.rdsKeyArn, PendingWindowInDays: 7 })));
    expect(await runKeyHealthCheck(draft.environmentId, "scheduled")).toMatchObject({ state: "PENDING_DELETION" });
    const snapshot = await readKeyHealth(draft.environmentId);
    const rdsKey = snapshot?.findings.keys.find((k) => k.kind === "rds");
    expect(rdsKey).toMatchObject({ keyState: "PendingDeletion", deletionDate: scheduled.DeletionDate?.toISOString() });
    expect(snapshot?.findings.problem).toMatchObject({ key: "rds" });
    const [alert] = await notificationsOf(draft.environmentId);
    expect(alert?.title).toBe(`Pending deletion: the RDS key of ${tenantName}`);
    expect(alert?.body).toContain(`aws kms cancel-key-deletion --key-id ${draft.rdsKeyArn}`);
    expect(alert?.body).toContain(scheduled.DeletionDate?.toISOString());

    // Cancelling leaves the key disabled (KMS), and the cluster has lost it meanwhile.
    await asCustomer((kms) => kms.send(new CancelKeyDeletionCommand({ KeyId: draft.rdsKeyArn })));
    expect(await runKeyHealthCheck(draft.environmentId, "scheduled")).toMatchObject({ state: "KEY_DISABLED" });
    expect((await readKeyHealth(draft.environmentId))?.findings.paths.find((p) => p.path === "rds")?.clusterStatus).toBe("inaccessible-encryption-credentials-recoverable");
    await asCustomer((kms) => kms.send(new EnableKeyCommand({ KeyId: draft.rdsKeyArn })));
    expect(await runKeyHealthCheck(draft.environmentId, "scheduled")).toMatchObject({ state: "HEALTHY" });
    const recovered = await readKeyHealth(draft.environmentId);
    expect(recovered?.findings.paths.find((p) => p.path === "rds")).toMatchObject({ ok: true, recoveryStarted: true });
    expect(await db().auditEvent.count({ where: { environmentId: draft.environmentId, action: "key-health.cluster-started" } })).toBe(1);
    expect(recovered?.history.map((t) => t.toState)).toEqual(["HEALTHY", "KEY_DISABLED", "PENDING_DELETION", "HEALTHY"]);
    // The cluster comes back: the next check finds it starting or available, still Healthy.
    expect(await runKeyHealthCheck(draft.environmentId, "scheduled")).toMatchObject({ state: "HEALTHY" });
    expect((await notificationsOf(draft.environmentId)).map((n) => n.kind)).toEqual(["key-health.degraded", "key-health.degraded", "key-health.recovered"]);
  });

  test("the platform statements removed from the S3 key policy: Access denied, naming the S3 use statement", async () => {
    const draft = await readyByok("denied");
    const tenantName = await tenantNameOf(draft.environmentId);
    await runKeyHealthCheck(draft.environmentId, "scheduled");
    const policy = policyFor("s3", draft.environmentId, REGION);
    const customerOnly = { ...policy, Statement: policy.Statement.filter((s) => s.Sid === STATEMENT_IDS.accountRoot) };
    await asCustomer((kms) => kms.send(new PutKeyPolicyCommand({ KeyId: draft.s3KeyArn, PolicyName: "default", Policy: JSON.stringify(customerOnly) })));

    expect(await runKeyHealthCheck(draft.environmentId, "scheduled")).toMatchObject({ state: "ACCESS_DENIED" });
    const snapshot = await readKeyHealth(draft.environmentId);
    expect(snapshot?.findings.problem).toMatchObject({ key: "s3", path: "s3", statementSid: "AllowPlatformS3Use" });
    expect(snapshot?.findings.keys.find((k) => k.kind === "s3")?.preflight).toBe("not-allowed");
    const [alert] = await notificationsOf(draft.environmentId);
    expect(alert).toMatchObject({ severity: "critical", title: `Access denied: the S3 key of ${tenantName}` });
    expect(alert?.body).toContain("AllowPlatformS3Use");
  });

  test("RDS lost its grant and the key policy no longer allows a new one: Access denied on the RDS path, naming the grants statement", async () => {
    const draft = await readyByok("grant");
    await runKeyHealthCheck(draft.environmentId, "scheduled");
    const policy = policyFor("rds", draft.environmentId, REGION);
    const withoutGrants = { ...policy, Statement: policy.Statement.filter((s) => s.Sid !== STATEMENT_IDS.rdsGrants) };
    await asCustomer(async (kms) => {
      await kms.send(new PutKeyPolicyCommand({ KeyId: draft.rdsKeyArn, PolicyName: "default", Policy: JSON.stringify(withoutGrants) }));
      const grants = await kms.send(new ListGrantsCommand({ KeyId: draft.rdsKeyArn }));
      for (const grant of grants.Grants ?? []) await kms.send(new RevokeGrantCommand({ KeyId: draft.rdsKeyArn, GrantId: grant.GrantId }));
    });
    expect(await runKeyHealthCheck(draft.environmentId, "scheduled")).toMatchObject({ state: "ACCESS_DENIED" });
    expect((await readKeyHealth(draft.environmentId))?.findings.problem).toMatchObject({ key: "rds", path: "rds", statementSid: "AllowPlatformRdsGrants" });
  });

  test("without the preflight statement the key's state and rotation are skipped with a note, and the environment is still checked through its use", async () => {
    // The wizard insists on the statement for new environments; an older environment's key may lack it.
    const draft = await readyByok("preflight");
    const policy = policyFor("s3", draft.environmentId, REGION);
    const withoutPreflight = { ...policy, Statement: policy.Statement.filter((s) => s.Sid !== STATEMENT_IDS.preflight) };
    await asCustomer((kms) => kms.send(new PutKeyPolicyCommand({ KeyId: draft.s3KeyArn, PolicyName: "default", Policy: JSON.stringify(withoutPreflight) })));
    expect(await runKeyHealthCheck(draft.environmentId, "scheduled")).toMatchObject({ state: "HEALTHY" });
    const snapshot = await readKeyHealth(draft.environmentId);
    expect(snapshot?.findings.keys.map((k) => [k.kind, k.preflight])).toEqual([
      ["s3", "not-allowed"],
      ["rds", "read"],
    ]);
    expect(snapshot?.findings.notes.join(" ")).toContain(STATEMENT_IDS.preflight);
    expect(await notificationsOf(draft.environmentId)).toHaveLength(0);
  });

  test("Check now runs at most once a minute per environment, customer and support together", async () => {
    const draft = await readyByok("check-now");
    const first = await requestCheckNow(draft.environmentId, "check-now");
    expect(first).toMatchObject({ environmentId: draft.environmentId, state: "HEALTHY", history: [{ cause: "check-now" }] });
    const second = await requestCheckNow(draft.environmentId, "support-check-now");
    expect(second).toMatchObject({ rateLimited: true });
    if (!("rateLimited" in second)) throw new Error("expected a rate limit");
    expect(second.retryAfterSeconds).toBeGreaterThan(0);
    expect(second.retryAfterSeconds).toBeLessThanOrEqual(60);
    // A minute later (moved back in the database rather than waited for) it runs again.
    await db().keyHealth.update({ where: { environmentId: draft.environmentId }, data: { manualCheckAt: new Date(Date.now() - 61_000) } });
    expect(await requestCheckNow(draft.environmentId, "support-check-now")).toMatchObject({ state: "HEALTHY" });
  });
});

describe("scheduling", () => {
  test("environments without a row get one; two schedulers on one database check each due environment exactly once", async () => {
    const drafts = await Promise.all(["sched-a", "sched-b", "sched-c"].map((stem) => readyByok(stem)));
    const ids = drafts.map((d) => d.environmentId);
    // As if made Ready before key health existed.
    await db().keyHealth.deleteMany({ where: { environmentId: ids[0] } });
    expect(await ensureMissingKeyHealthRows(db())).toBeGreaterThanOrEqual(1);
    // Everything else in this database is pushed out of the way; these three are due now.
    await db().keyHealth.updateMany({ data: { nextCheckAt: new Date(Date.now() + 3_600_000) } });
    await db().keyHealth.updateMany({ where: { environmentId: { in: ids } }, data: { nextCheckAt: new Date(Date.now() - 1_000) } });

    const seen: KeyHealthCheckResult[] = [];
    const options = { concurrency: 2, sweepIntervalMs: 100, pollingIntervalSeconds: 0.5, log: () => undefined, onCheck: (r: KeyHealthCheckResult) => void seen.push(r) };
    const schedulers = await Promise.all([startKeyHealthScheduler(options), startKeyHealthScheduler(options)]);
    try {
      await expect.poll(async () => db().keyHealth.count({ where: { environmentId: { in: ids }, state: "HEALTHY" } }), { timeout: 30_000, interval: 100 }).toBe(3);
    } finally {
      await Promise.all(schedulers.map((s) => s.stop()));
    }
    expect(seen.map((r) => r.environmentId).sort()).toEqual([...ids].sort());
    const rows = await db().keyHealth.findMany({ where: { environmentId: { in: ids } } });
    const interval = env().keyHealthIntervalSeconds * 1000;
    for (const row of rows) {
      const gap = row.nextCheckAt.getTime() - (row.checkedAt?.getTime() ?? 0);
      expect(gap).toBeGreaterThanOrEqual(interval * 0.9 - 1);
      expect(gap).toBeLessThanOrEqual(interval * 1.1 + 1);
    }
  });
});

describe("acceptance: AWS throttles", () => {
  test("20 % of KMS, S3 and RDS calls throttled for an hour of simulated checks: no false Key disabled or Access denied, no AWS unreachable alert below the threshold", async () => {
    const healthy = await Promise.all(["throttle-a", "throttle-b", "throttle-c", "throttle-d", "throttle-e"].map((stem) => readyByok(stem)));
    const disabled = await readyByok("throttle-disabled");
    await asCustomer((kms) => kms.send(new DisableKeyCommand({ KeyId: disabled.s3KeyArn })));
    const all = [...healthy, disabled];

    // A fake clock for the state machine and no real waiting between retries: an hour of
    // checks at the default interval runs in seconds. The AWS side is the real sandbox with
    // seeded faults, so the same calls are throttled on every run.
    let nowMs = Date.parse("2026-12-01T00:00:00.000Z");
    const options = {
      now: () => new Date(nowMs),
      deps: (target: Parameters<typeof environmentCheckDeps>[0]) => ({ ...environmentCheckDeps(target, env().resourcePrefix), sleep: async () => undefined, now: () => new Date(nowMs) }),
    };
    const observed = new Map<string, string[]>(all.map((d) => [d.environmentId, []]));
    const states = new Map<string, string[]>(all.map((d) => [d.environmentId, []]));
    let throttledChecks = 0;

    for (const [index, service] of (["kms", "s3", "rds"] as const).entries()) {
      await addFault(harness.sandboxUrl, { service, throttle: true, probability: 0.2, seed: 20261201 + index, forMs: 30 * 60_000 });
    }
    try {
      const intervalMs = env().keyHealthIntervalSeconds * 1000;
      for (let elapsed = 0; elapsed <= 3_600_000; elapsed += intervalMs) {
        nowMs += elapsed === 0 ? 0 : intervalMs;
        for (const draft of all) {
          const result = await runKeyHealthCheck(draft.environmentId, "scheduled", options);
          if (!result) throw new Error("a Ready environment is checkable");
          observed.get(draft.environmentId)?.push(result.observed);
          states.get(draft.environmentId)?.push(result.state);
          if (result.throttled) throttledChecks += 1;
        }
      }
    } finally {
      await clearFaults(harness.sandboxUrl);
    }

    const checks = [...states.values()].reduce((sum, list) => sum + list.length, 0);
    expect(checks).toBe(all.length * 13);
    // The faults really bit: a good share of checks met throttling and retried through it.
    expect(throttledChecks).toBeGreaterThan(checks / 4);
    for (const draft of healthy) {
      const seen = states.get(draft.environmentId) ?? [];
      expect(seen.filter((s) => s === "KEY_DISABLED" || s === "ACCESS_DENIED" || s === "PENDING_DELETION" || s === "KEY_NOT_FOUND")).toEqual([]);
    }
    expect(new Set(states.get(disabled.environmentId)?.filter((s) => s !== "AWS_UNREACHABLE"))).toEqual(new Set(["KEY_DISABLED"]));

    // An AWS unreachable alert only after the threshold of unreachable checks in a row.
    for (const draft of all) {
      const alerts = await db().notification.findMany({ where: { environmentId: draft.environmentId, title: { startsWith: "AWS unreachable" } } });
      const sequence = observed.get(draft.environmentId) ?? [];
      let longestRun = 0;
      let run = 0;
      for (const o of sequence) {
        run = o === "AWS_UNREACHABLE" ? run + 1 : 0;
        longestRun = Math.max(longestRun, run);
      }
      if (longestRun < UNREACHABLE_ALERT_THRESHOLD) expect(alerts).toEqual([]);
      // Healthy environments raised no alert at all.
      if (draft !== disabled) expect(await notificationsOf(draft.environmentId)).toEqual([]);
    }
    // The disabled environment was alerted once, as Key disabled.
    expect((await notificationsOf(disabled.environmentId)).map((n) => n.title)).toEqual([expect.stringMatching(/^Key disabled: the S3 key of /)]);
  }, 180_000);
});
