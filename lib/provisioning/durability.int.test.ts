/**
 * Crash safety and exclusivity: a run that dies between steps or in the middle of one is
 * resumed by the next worker without repeating finished work; two workers or two runs never
 * provision one environment at once; an attempt committed while no worker ran is picked up
 * later, and one rolled back never runs.
 */
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from "vitest";
import { AppError } from "@/lib/errors";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { assignTenantName } from "./finalize";
import { clusterIdentifier, bucketName } from "./names";
import { queueProvisioningAttempt } from "./queue";
import { RunAbandoned, runProvisioningAttempt, type RunOutcome } from "./run";
import { startProvisioningWorker, type ProvisioningWorker } from "./worker";
import {
  auditOf,
  awsCalls,
  byokDraft,
  createDraft,
  expectCreatedOnce,
  sandboxState,
  seedOrganization,
  settledStatus,
  startHarness,
  stepsOf,
  submit,
  type Harness,
} from "./__testing__/harness";

const REGION = "eu-central-1";
let harness: Harness;
const workers: ProvisioningWorker[] = [];

beforeAll(async () => {
  harness = await startHarness(inject("databaseAdminUrl"), { rdsCreateDelayMs: 400 });
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
});

afterAll(async () => {
  await harness?.close();
});

async function startWorker(options: Parameters<typeof startProvisioningWorker>[0] = {}): Promise<ProvisioningWorker> {
  const worker = await startProvisioningWorker({ sweepIntervalMs: 3_600_000, pollingIntervalSeconds: 30, log: () => undefined, ...options });
  workers.push(worker);
  return worker;
}

/** A promise and its resolver, to hold a run at a known point. */
function gate<T = void>(): { promise: Promise<T>; open(value: T): void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe("durability", () => {
  test("a worker that dies after the buckets and before the cluster: a new worker resumes the same attempt and each resource is created once", async () => {
    const draft = await byokDraft("acme", REGION);
    let crashed = false;
    const died = gate();
    await startWorker({
      hooks: {
        afterStep: ({ stepKey }) => {
          if (stepKey === "object-storage" && !crashed) {
            crashed = true;
            died.open();
            throw new Error("simulated crash");
          }
        },
      },
    });
    const { attemptId } = await submit(draft.environmentId, draft.userId);
    await died.promise;
    await Promise.all(workers.splice(0).map((w) => w.stop()));

    // What the dead process left: the bucket step done, the attempt still RUNNING, no cluster.
    expect((await stepsOf(attemptId)).map((s) => s.status)).toEqual(["SUCCEEDED", "PENDING", "PENDING"]);
    expect((await db().provisioningAttempt.findUniqueOrThrow({ where: { id: attemptId } })).status).toBe("RUNNING");
    expect((await sandboxState(harness.sandboxUrl)).clusters.filter((c) => c.identifier === clusterIdentifier(env().resourcePrefix, draft.environmentId))).toEqual([]);

    await startWorker();
    expect(await settledStatus(draft.environmentId)).toBe("READY");
    expect((await stepsOf(attemptId)).map((s) => [s.key, s.status, s.tries])).toEqual([
      ["object-storage", "SUCCEEDED", 1],
      ["database", "SUCCEEDED", 1],
      ["finalize", "SUCCEEDED", 1],
    ]);
    expect(await db().provisioningAttempt.count({ where: { environmentId: draft.environmentId } })).toBe(1);
    expect((await auditOf(draft.environmentId, "provisioning.attempt.resumed")).length).toBe(1);
    await expectCreatedOnce(harness.sandboxUrl, draft);
  });

  test("a crash in the middle of the bucket step (first bucket made, step not recorded): the rerun finds the bucket as its own", async () => {
    const draft = await byokDraft("initech", REGION);
    const { attemptId } = await submit(draft.environmentId, draft.userId);
    const dataBucket = bucketName(env().resourcePrefix, draft.environmentId, "data");
    await expect(
      runProvisioningAttempt(attemptId, {
        afterAwsCall: ({ operation, resource }) => {
          if (operation === "CreateBucket" && resource.endsWith(dataBucket)) throw new Error("simulated crash");
        },
      }),
    ).rejects.toBeInstanceOf(RunAbandoned);
    expect((await stepsOf(attemptId))[0]).toMatchObject({ status: "RUNNING", tries: 1 });
    const createdAt = (await sandboxState(harness.sandboxUrl)).buckets[dataBucket]?.creationDate;
    expect(createdAt).toBeDefined();

    expect(await runProvisioningAttempt(attemptId)).toBe("succeeded");
    expect((await stepsOf(attemptId))[0]).toMatchObject({ status: "SUCCEEDED", tries: 2 });
    expect((await sandboxState(harness.sandboxUrl)).buckets[dataBucket]?.creationDate).toBe(createdAt);
    // The buckets are made side by side: the logs bucket's calls finish before the run gives
    // up, so the rerun finds both buckets as its own.
    const createBuckets = (await awsCalls(draft.environmentId)).filter((c) => c.operation === "CreateBucket");
    const outcomesOf = (bucket: string) => createBuckets.filter((c) => c.resource === `arn:aws:s3:::${bucket}`).map((c) => c.outcome);
    expect(outcomesOf(dataBucket)).toEqual(["succeeded", "already-exists"]);
    expect(outcomesOf(bucketName(env().resourcePrefix, draft.environmentId, "logs"))).toEqual(["succeeded", "already-exists"]);
    await expectCreatedOnce(harness.sandboxUrl, draft);
  });

  test("a shutdown while the cluster is being created: the next worker adopts the cluster it had started instead of making another", async () => {
    const draft = await byokDraft("umbrella", REGION);
    const clusterRequested = gate();
    const first = await startWorker({
      hooks: {
        afterAwsCall: ({ operation }) => {
          if (operation === "CreateDBCluster") clusterRequested.open();
        },
      },
      timings: { clusterPollInitialMs: 60_000 },
    });
    const { attemptId } = await submit(draft.environmentId, draft.userId);
    await clusterRequested.promise;
    workers.splice(workers.indexOf(first), 1);
    await first.stop();
    expect((await stepsOf(attemptId)).map((s) => s.status)).toEqual(["SUCCEEDED", "RUNNING", "PENDING"]);

    await startWorker();
    expect(await settledStatus(draft.environmentId)).toBe("READY");
    expect((await stepsOf(attemptId))[1]).toMatchObject({ status: "SUCCEEDED", tries: 2 });
    const clusterCalls = (await awsCalls(draft.environmentId)).filter((c) => c.operation === "CreateDBCluster").map((c) => c.outcome);
    expect(clusterCalls).toEqual(["succeeded", "already-exists"]);
    expect(((await stepsOf(attemptId))[1]?.output as { creation: string }).creation).toBe("existing");
    await expectCreatedOnce(harness.sandboxUrl, draft);
  });
});

describe("one run per environment", () => {
  test("two runs of the same attempt: the second finds it busy while the first holds it; the sweep leaves a held environment alone", async () => {
    const draft = await byokDraft("hooli", REGION);
    const { attemptId } = await submit(draft.environmentId, draft.userId);
    const inFlight = gate();
    const release = gate();
    const firstRun: Promise<RunOutcome> = runProvisioningAttempt(attemptId, {
      afterAwsCall: async ({ operation }) => {
        if (operation === "CreateBucket") {
          inFlight.open();
          await release.promise;
        }
      },
    });
    await inFlight.promise;
    expect(await runProvisioningAttempt(attemptId)).toBe("busy");
    // A worker started now must not enqueue the environment: someone alive holds its lock.
    const worker = await startWorker();
    expect(await worker.sweep()).toBe(0);
    release.open();
    expect(await firstRun).toBe("succeeded");
    expect(await runProvisioningAttempt(attemptId)).toBe("not-runnable");
    expect((await auditOf(draft.environmentId, "provisioning.attempt.started")).length).toBe(1);
    await expectCreatedOnce(harness.sandboxUrl, draft);
  });

  test("two workers racing for the same attempt: exactly one run", async () => {
    const draft = await byokDraft("soylent", REGION);
    await Promise.all([startWorker({ pollingIntervalSeconds: 1 }), startWorker({ pollingIntervalSeconds: 1 })]);
    const { attemptId } = await submit(draft.environmentId, draft.userId);
    // Both workers hear the NOTIFY; both sweep too, which the queue and the lock must absorb.
    await Promise.all(workers.map((w) => w.sweep()));
    expect(await settledStatus(draft.environmentId)).toBe("READY");
    await Promise.all(workers.map((w) => w.sweep()));
    expect((await auditOf(draft.environmentId, "provisioning.attempt.started")).length).toBe(1);
    expect((await auditOf(draft.environmentId, "provisioning.attempt.resumed")).length).toBe(0);
    expect((await stepsOf(attemptId)).map((s) => s.tries)).toEqual([1, 1, 1]);
    await expectCreatedOnce(harness.sandboxUrl, draft);
  });
});

describe("outbox", () => {
  test("an attempt committed while no worker runs is picked up at start; one rolled back never runs", async () => {
    const committed = await byokDraft("wonka", REGION);
    const rolledBack = await byokDraft("cyberdyne", REGION);
    await submit(committed.environmentId, committed.userId);
    await expect(
      db().$transaction(async (tx) => {
        await tx.environment.update({ where: { id: rolledBack.environmentId }, data: { status: "PROVISIONING" } });
        await queueProvisioningAttempt(tx, { environmentId: rolledBack.environmentId, trigger: "create", requestedById: rolledBack.userId });
        throw new Error("the caller's transaction fails after queueing");
      }),
    ).rejects.toThrow("after queueing");

    await startWorker();
    expect(await settledStatus(committed.environmentId)).toBe("READY");
    const rolled = await db().environment.findUniqueOrThrow({ where: { id: rolledBack.environmentId }, include: { provisioningAttempts: true } });
    expect(rolled.status).toBe("DRAFT");
    expect(rolled.provisioningAttempts).toEqual([]);
    const client = new pg.Client({ connectionString: harness.databaseUrl });
    await client.connect();
    const jobs = await client.query("SELECT singleton_key FROM pgboss.job WHERE singleton_key = $1", [rolledBack.environmentId]);
    await client.end();
    expect(jobs.rowCount).toBe(0);
  });

  test("queueing refuses an environment that is not PROVISIONING or already has an open attempt", async () => {
    const draft = await byokDraft("globex", REGION);
    await expect(
      db().$transaction((tx) => queueProvisioningAttempt(tx, { environmentId: draft.environmentId, trigger: "create", requestedById: draft.userId })),
    ).rejects.toSatisfy((error) => error instanceof AppError && error.code === "CONFLICT");
    await submit(draft.environmentId, draft.userId);
    await expect(
      db().$transaction((tx) => queueProvisioningAttempt(tx, { environmentId: draft.environmentId, trigger: "retry", requestedById: draft.userId })),
    ).rejects.toSatisfy((error) => error instanceof AppError && error.code === "CONFLICT");
    expect(await db().provisioningAttempt.count({ where: { environmentId: draft.environmentId } })).toBe(1);
  });
});

describe("tenant names", () => {
  test("a name already taken is not reused: a new suffix is drawn; a name once given is kept", async () => {
    const org = await seedOrganization("acme");
    const taken = await createDraft(org);
    await db().environment.update({ where: { id: taken }, data: { tenantName: `${org.slug}-aaaaaa` } });
    const environmentId = await createDraft(org);
    const proposals = [`${org.slug}-aaaaaa`, `${org.slug}-bbbbbb`];
    const name = await assignTenantName({ id: environmentId, organizationSlug: org.slug, tenantName: null }, () => proposals.shift() ?? "unexpected");
    expect(name).toBe(`${org.slug}-bbbbbb`);
    expect(proposals).toEqual([]);
    // A resumed run that still thinks the name is unset gets the stored one, not a second name.
    expect(await assignTenantName({ id: environmentId, organizationSlug: org.slug, tenantName: null }, () => `${org.slug}-cccccc`)).toBe(`${org.slug}-bbbbbb`);
    expect((await db().environment.findUniqueOrThrow({ where: { id: environmentId } })).tenantName).toBe(`${org.slug}-bbbbbb`);
  });
});
