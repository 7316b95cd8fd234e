/**
 * Provisioning against real process deaths: the sandbox (the AWS side) and portal workers
 * run as child processes and are ended with SIGKILL, as a crash or an OOM kill would end
 * them. Nothing waits a fixed time for an outcome: every wait is for a state in the database
 * or a process event.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from "vitest";
import { db } from "@/lib/db";
import { runProvisioningAttempt } from "./run";
import { startProvisioningWorker } from "./worker";
import {
  addFault,
  auditOf,
  clearFaults,
  byokDraft,
  expectCreatedOnce,
  settledStatus,
  startHarness,
  stepsOf,
  submit,
  type Harness,
} from "./__testing__/harness";
import { freePort, startSandboxProcess, startWorkerProcess, type ChildHandle } from "@/lib/testing/processes";

const REGION = "eu-west-1";
let harness: Harness;
let stateDir: string;
let sandboxPort: number;
let sandbox: ChildHandle;
const children: ChildHandle[] = [];

async function startSandbox(): Promise<ChildHandle> {
  sandbox = await startSandboxProcess({ port: sandboxPort, stateFile: path.join(stateDir, "sandbox-state.json") });
  return sandbox;
}

beforeAll(async () => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "byok-resilience-"));
  sandboxPort = await freePort();
  await startSandbox();
  harness = await startHarness(inject("databaseAdminUrl"), { sandboxUrl: `http://127.0.0.1:${sandboxPort}` });
});

afterEach(async () => {
  await Promise.all(children.splice(0).map((child) => child.kill("SIGKILL")));
});

afterAll(async () => {
  await harness?.close();
  await sandbox?.kill("SIGKILL");
  fs.rmSync(stateDir, { recursive: true, force: true });
});

/** Brings the sandbox back (same port, same state file) each time it dies, until stopped. */
function keepSandboxAlive(options: { downForMs?: number } = {}): { restarts(): number; stop(): void } {
  let restarts = 0;
  let stopped = false;
  const watch = (current: ChildHandle) => {
    void current.exited.then(async () => {
      if (stopped) return;
      if (options.downForMs) await new Promise((resolve) => setTimeout(resolve, options.downForMs));
      if (stopped) return;
      restarts += 1;
      watch(await startSandbox());
    });
  };
  watch(sandbox);
  return {
    restarts: () => restarts,
    stop: () => {
      stopped = true;
    },
  };
}

describe("the AWS side goes away", () => {
  test("the sandbox is SIGKILLed right after answering a bucket call and stays down for 30 s: the step retries until it is back, and the environment is Ready with every resource made once", async () => {
    const draft = await byokDraft("acme", REGION);
    const { attemptId } = await submit(draft.environmentId, draft.userId);
    const keeper = keepSandboxAlive({ downForMs: 30_000 });
    let killed = false;
    const outcome = await runProvisioningAttempt(attemptId, {
      afterAwsCall: ({ operation }) => {
        // The answer is in hand: whatever the sandbox acknowledged must survive the kill.
        if (operation === "PutBucketEncryption" && !killed) {
          killed = true;
          sandbox.process.kill("SIGKILL");
        }
      },
    });
    keeper.stop();
    expect(outcome).toBe("succeeded");
    expect(keeper.restarts()).toBe(1);
    expect(await settledStatus(draft.environmentId)).toBe("READY");

    const retries = await auditOf(draft.environmentId, "provisioning.step.retrying");
    expect(retries.length).toBeGreaterThan(0);
    for (const event of retries) {
      expect(event.details).toMatchObject({ step: "object-storage", errorCode: expect.stringMatching(/^(ECONNREFUSED|ECONNRESET|EPIPE)$/), nextTryAt: expect.any(String) });
    }
    const [storage] = await stepsOf(attemptId);
    expect(storage).toMatchObject({ status: "SUCCEEDED", tries: 1, retryCount: retries.length, retryAt: null });
    await expectCreatedOnce(harness.sandboxUrl, draft);
  });
});

describe("AWS throttles", () => {
  test("half of all KMS, S3 and RDS calls throttled (seeded): 10 of 10 environments reach Ready with no manual action, each resource made once", async () => {
    const drafts = await Promise.all(Array.from({ length: 10 }, (_, i) => byokDraft(`throttled-${i}`, REGION)));
    for (const [index, service] of (["kms", "s3", "rds"] as const).entries()) {
      await addFault(harness.sandboxUrl, { service, throttle: true, probability: 0.5, seed: 20261129 + index, forMs: 10 * 60_000 });
    }
    const worker = await startProvisioningWorker({ concurrency: 10, pollingIntervalSeconds: 1, sweepIntervalMs: 1_000, log: () => undefined });
    try {
      await Promise.all(drafts.map((draft) => submit(draft.environmentId, draft.userId)));
      // Generous: half of every kind of call fails, on a 2-core machine that may be running other suites.
      for (const draft of drafts) expect(await settledStatus(draft.environmentId, 280_000)).toBe("READY");
    } finally {
      await clearFaults(harness.sandboxUrl);
      await worker.stop();
    }
    let retried = 0;
    for (const draft of drafts) {
      retried += (await auditOf(draft.environmentId, "provisioning.step.retrying")).length;
      await expectCreatedOnce(harness.sandboxUrl, draft);
    }
    // The SDK retries most throttles itself; what it gives back, the steps retried.
    expect(retried).toBeGreaterThan(0);
  }, 300_000);
});

describe("portal processes die or run side by side", () => {
  test.each(["object-storage", "database"] as const)(
    "the worker is SIGKILLed right after the %s step, and the sandbox right after answering: a new worker process resumes and every resource is made once",
    async (boundary) => {
      const draft = await byokDraft(`kill-${boundary}`, REGION);
      const { attemptId } = await submit(draft.environmentId, draft.userId);
      const keeper = keepSandboxAlive();
      const operation = boundary === "object-storage" ? "PutPublicAccessBlock" : "CreateDBCluster";
      const doomed = await startWorkerProcess({
        WORKER_SIGKILL_AFTER_STEP: boundary,
        WORKER_SIGKILL_PID_AFTER_CALL: `${operation}:${sandbox.process.pid}`,
      });
      children.push(doomed);
      expect(await doomed.exited).toMatchObject({ signal: "SIGKILL" });
      const [storage, database] = await stepsOf(attemptId);
      expect(storage?.status).toBe("SUCCEEDED");
      expect(database?.status).toBe(boundary === "database" ? "SUCCEEDED" : "PENDING");

      children.push(await startWorkerProcess());
      expect(await settledStatus(draft.environmentId)).toBe("READY");
      keeper.stop();
      expect(keeper.restarts()).toBe(1);
      // The new process checked what the dead one recorded before building on it.
      expect((await auditOf(draft.environmentId, "provisioning.attempt.resumed")).length).toBe(1);
      expect((await auditOf(draft.environmentId, "provisioning.step.verified")).map((e) => (e.details as { step: string }).step)).toEqual(
        boundary === "database" ? ["object-storage", "database"] : ["object-storage"],
      );
      await expectCreatedOnce(harness.sandboxUrl, draft);
    },
  );

  test("two portal processes on one database share the work: each environment is provisioned once, by one of them, with no duplicate job, step or AWS resource", async () => {
    const drafts = await Promise.all(["one", "two", "three", "four"].map((stem) => byokDraft(`pair-${stem}`, REGION)));
    // The first process holds its first run until another environment is Ready: only the
    // second process can make one, so the test fails unless the work is really shared.
    const first = await startWorkerProcess({ WORKER_HOLD_FIRST_RUN_UNTIL_READY: "1" });
    const second = await startWorkerProcess();
    children.push(first, second);
    const attempts = await Promise.all(drafts.map((draft) => submit(draft.environmentId, draft.userId)));
    for (const draft of drafts) expect(await settledStatus(draft.environmentId)).toBe("READY");

    const workersSeen = new Set<string>();
    for (const [index, draft] of drafts.entries()) {
      expect(await db().provisioningAttempt.count({ where: { environmentId: draft.environmentId } })).toBe(1);
      const started = await auditOf(draft.environmentId, "provisioning.attempt.started");
      expect(started).toHaveLength(1);
      expect(await auditOf(draft.environmentId, "provisioning.attempt.resumed")).toHaveLength(0);
      workersSeen.add((started[0]?.details as { worker: string }).worker);
      const steps = await stepsOf(attempts[index]!.attemptId);
      expect(steps.map((s) => [s.key, s.status, s.tries])).toEqual([
        ["object-storage", "SUCCEEDED", 1],
        ["database", "SUCCEEDED", 1],
        ["finalize", "SUCCEEDED", 1],
      ]);
      await expectCreatedOnce(harness.sandboxUrl, draft);
    }
    expect(workersSeen.size).toBe(2);
    const succeededLines = (first.output() + second.output()).split("\n").filter((line) => line.endsWith(": succeeded"));
    expect(succeededLines).toHaveLength(drafts.length);
  });
});
