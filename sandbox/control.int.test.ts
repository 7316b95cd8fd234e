/** The /_sandbox endpoints and persistence across restarts. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { CreateKeyCommand, DescribeKeyCommand, GenerateDataKeyCommand, ListKeysCommand } from "@aws-sdk/client-kms";
import { DescribeDBClustersCommand } from "@aws-sdk/client-rds";
import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, PutBucketEncryptionCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { FaultInjector } from "./faults";
import type { RunningSandbox } from "./server";
import { awsError, clientsFor, rawKmsCall, sandboxJson, startTestSandbox } from "./test-support";
import type { TrailEvent } from "./world";

async function addFault(fault: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${sandbox.url}/_sandbox/faults`, { method: "POST", body: JSON.stringify(fault) });
  if (!res.ok) throw new Error(`fault refused: ${await res.text()}`);
}

async function trailOf(query: Record<string, string>): Promise<TrailEvent[]> {
  return (await sandboxJson<{ events: TrailEvent[] }>(sandbox.url, `/_sandbox/trail?${new URLSearchParams(query).toString()}`)).events;
}

let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startTestSandbox();
});
afterAll(async () => sandbox.close());
beforeEach(async () => {
  await sandboxJson(sandbox.url, "/_sandbox/reset", { method: "POST" });
});

describe("faults", () => {
  test("an AWS error for the next N calls, then normal service", async () => {
    const c = clientsFor(sandbox.url, "customer");
    const key = await c.kms.send(new CreateKeyCommand({}));
    await sandboxJson(sandbox.url, "/_sandbox/faults", { method: "POST", body: { service: "kms", operation: "DescribeKey", error: { code: "KMSInternalException", message: "boom", status: 500 }, count: 1 } });
    expect(await awsError(() => c.kms.send(new DescribeKeyCommand({ KeyId: key.KeyMetadata?.KeyId })))).toMatchObject({ name: "KMSInternalException", message: "boom", status: 500 });
    await c.kms.send(new DescribeKeyCommand({ KeyId: key.KeyMetadata?.KeyId }));
  });

  test("throttling, 500s and latency; KMS faults reach S3's calls on the caller's behalf", async () => {
    const c = clientsFor(sandbox.url, "customer");
    await sandboxJson(sandbox.url, "/_sandbox/faults", { method: "POST", body: { service: "kms", operation: "ListKeys", throttle: true } });
    expect((await awsError(() => c.kms.send(new ListKeysCommand({})))).name).toBe("ThrottlingException");
    await sandboxJson(sandbox.url, "/_sandbox/faults", { method: "POST", body: { service: "sts", status500: true } });
    expect((await awsError(() => c.sts.send(new GetCallerIdentityCommand({})))).status).toBe(500);
    await sandboxJson(sandbox.url, "/_sandbox/faults", { method: "POST", body: { service: "kms", operation: "ListKeys", latencyMs: 150, forMs: 10_000 } });
    await c.kms.send(new ListKeysCommand({}));
    const listed = await sandboxJson<{ faults: unknown[] }>(sandbox.url, "/_sandbox/faults");
    expect(listed.faults).toHaveLength(1);
    await fetch(`${sandbox.url}/_sandbox/faults`, { method: "DELETE" });

    const key = await c.kms.send(new CreateKeyCommand({}));
    await c.s3.send(new CreateBucketCommand({ Bucket: "fault-bucket" }));
    await c.s3.send(new PutBucketEncryptionCommand({ Bucket: "fault-bucket", ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: key.KeyMetadata?.Arn } }] } }));
    await sandboxJson(sandbox.url, "/_sandbox/faults", { method: "POST", body: { service: "kms", operation: "GenerateDataKey", error: { code: "KMSInvalidStateException", message: "injected" } } });
    expect(await awsError(() => c.s3.send(new PutObjectCommand({ Bucket: "fault-bucket", Key: "k", Body: "v" })))).toMatchObject({ name: "KMS.KMSInvalidStateException", message: "injected" });
  });

  test("latency holds the answer until the wait ends (the wait is the test's to end)", async () => {
    const waits: Array<{ ms: number; end: () => void }> = [];
    const paused = await startTestSandbox({ sleep: (ms) => new Promise<void>((resolve) => waits.push({ ms, end: resolve })) });
    try {
      const c = clientsFor(paused.url, "customer");
      await sandboxJson(paused.url, "/_sandbox/faults", { method: "POST", body: { service: "kms", operation: "ListKeys", latencyMs: 150 } });
      let answered = false;
      const call = c.kms.send(new ListKeysCommand({})).then((out) => {
        answered = true;
        return out;
      });
      await expect.poll(() => waits.length).toBe(1);
      expect(waits[0]?.ms).toBe(150);
      // Another call goes through meanwhile: the wait holds only the faulted call.
      await c.kms.send(new CreateKeyCommand({}));
      expect(answered).toBe(false);
      waits[0]?.end();
      expect((await call).Keys).toHaveLength(1);
      const [event] = (await sandboxJson<{ events: TrailEvent[] }>(paused.url, "/_sandbox/trail?action=ListKeys")).events;
      expect(event).toMatchObject({ result: "allowed", fault: { effect: "latency", latencyMs: 150 } });
    } finally {
      await paused.close();
    }
  });

  test("malformed fault bodies are refused", async () => {
    for (const body of [{ service: "ec2", throttle: true }, { service: "kms", throttle: true, status500: true }, { service: "kms", malformed: "html500" }, { service: "kms", throttle: true, probability: -0.1 }]) {
      const res = await fetch(`${sandbox.url}/_sandbox/faults`, { method: "POST", body: JSON.stringify(body) });
      expect(res.status).toBe(400);
    }
  });

  test("a seeded probability faults the same calls on every run, and the same ones as the generator predicts", async () => {
    const c = clientsFor(sandbox.url, "customer");
    const fault = { service: "kms", operation: "ListKeys", throttle: true, probability: 0.4, seed: 2024, count: 1000 };
    const run = async () => {
      await fetch(`${sandbox.url}/_sandbox/faults`, { method: "DELETE" });
      await addFault(fault);
      let seen = "";
      for (let i = 0; i < 25; i += 1) {
        seen += await c.kms.send(new ListKeysCommand({})).then(
          () => ".",
          (error: unknown) => (error instanceof Error && error.name === "ThrottlingException" ? "x" : "?"),
        );
      }
      return seen;
    };
    const first = await run();
    expect(await run()).toBe(first);
    const predicted = new FaultInjector(() => 0);
    predicted.add({ ...fault, service: "kms" });
    expect(first).toBe(Array.from({ length: 25 }, () => (predicted.draw("kms", "ListKeys", { wire: true }) ? "x" : ".")).join(""));
    expect(first).toMatch(/x/);
    expect(first).toMatch(/\./);
    const throttled = await trailOf({ action: "ListKeys", result: "throttled" });
    expect(throttled).toHaveLength(2 * (first.split("x").length - 1));
    expect(throttled[0]).toMatchObject({ service: "kms", errorCode: "ThrottlingException", fault: { effect: "throttle" } });
  });
});

describe("malformed responses", () => {
  test("html502: the operation ran, the caller got a load balancer's HTML page", async () => {
    const c = clientsFor(sandbox.url, "customer");
    await addFault({ service: "kms", operation: "CreateKey", malformed: "html502" });
    const res = await rawKmsCall(sandbox.url, "customer", "CreateKey", { Description: "made behind a 502" });
    expect(res.status).toBe(502);
    expect(res.headers.get("content-type")).toBe("text/html");
    expect(res.body.toString("utf8")).toContain("502 Bad Gateway");
    const keys = (await c.kms.send(new ListKeysCommand({}))).Keys ?? [];
    expect(keys).toHaveLength(1);
    const [event] = await trailOf({ action: "CreateKey" });
    expect(event).toMatchObject({ service: "kms", result: "allowed", keyArn: keys[0]?.KeyArn, fault: { effect: "html502" } });

    await addFault({ service: "sts", malformed: "html502" });
    expect((await awsError(() => c.sts.send(new GetCallerIdentityCommand({})))).status).toBe(502);
  });

  test("truncated: status and headers of the real answer, half its body, a content-length that matches", async () => {
    const c = clientsFor(sandbox.url, "customer");
    const key = await c.kms.send(new CreateKeyCommand({ Description: "truncated" }));
    const full = await rawKmsCall(sandbox.url, "customer", "DescribeKey", { KeyId: key.KeyMetadata?.KeyId });
    await addFault({ service: "kms", operation: "DescribeKey", malformed: "truncated" });
    const cut = await rawKmsCall(sandbox.url, "customer", "DescribeKey", { KeyId: key.KeyMetadata?.KeyId });
    expect(cut.status).toBe(200);
    expect(cut.headers.get("content-type")).toBe("application/x-amz-json-1.1");
    expect(cut.headers.get("content-length")).toBe(String(cut.body.length));
    expect(cut.body.length).toBe(Math.floor(full.body.length / 2));
    expect(full.body.subarray(0, cut.body.length).equals(cut.body)).toBe(true);

    // A mutation whose answer is cut: the SDK cannot read it, yet the key exists.
    await addFault({ service: "kms", operation: "CreateKey", malformed: "truncated" });
    await expect(c.kms.send(new CreateKeyCommand({ Description: "unreadable answer" }))).rejects.toThrow();
    expect((await c.kms.send(new ListKeysCommand({}))).Keys).toHaveLength(2);

    await c.s3.send(new CreateBucketCommand({ Bucket: "cut-bucket" }));
    await c.s3.send(new PutObjectCommand({ Bucket: "cut-bucket", Key: "k", Body: "0123456789" }));
    await addFault({ service: "s3", operation: "GetObject", malformed: "truncated" });
    const object = await c.s3.send(new GetObjectCommand({ Bucket: "cut-bucket", Key: "k" }));
    // The SDK asks for the object's CRC32 and checks the body against it: half a body fails.
    await expect(object.Body?.transformToString()).rejects.toThrow(/Checksum mismatch/);
  });

  test("empty200: the SDK reads an empty success; the mutation happened", async () => {
    const c = clientsFor(sandbox.url, "customer");
    await addFault({ service: "kms", operation: "CreateKey", malformed: "empty200" });
    const created = await c.kms.send(new CreateKeyCommand({}));
    expect(created.KeyMetadata).toBeUndefined();
    expect(created.$metadata.httpStatusCode).toBe(200);
    expect((await c.kms.send(new ListKeysCommand({}))).Keys).toHaveLength(1);
  });

  test("a malformed fault on KMS does not hit the calls S3 makes for the caller", async () => {
    const c = clientsFor(sandbox.url, "customer");
    const key = await c.kms.send(new CreateKeyCommand({}));
    await c.s3.send(new CreateBucketCommand({ Bucket: "inner-bucket" }));
    await addFault({ service: "kms", operation: "GenerateDataKey", malformed: "html502" });
    await c.s3.send(new PutObjectCommand({ Bucket: "inner-bucket", Key: "k", Body: "v", ServerSideEncryption: "aws:kms", SSEKMSKeyId: key.KeyMetadata?.Arn }));
    const res = await rawKmsCall(sandbox.url, "customer", "GenerateDataKey", { KeyId: key.KeyMetadata?.Arn, KeySpec: "AES_256" });
    expect(res.status).toBe(502);
  });
});

describe("the trail of faulted calls", () => {
  test("throttled and faulted calls to every service are recorded, with the key a KMS call names", async () => {
    const c = clientsFor(sandbox.url, "customer");
    const key = await c.kms.send(new CreateKeyCommand({}));
    const arn = key.KeyMetadata?.Arn ?? "";
    await addFault({ service: "kms", operation: "DescribeKey", throttle: true });
    await addFault({ service: "kms", operation: "GenerateDataKey", error: { code: "KMSInternalException", status: 500 } });
    await addFault({ service: "s3", operation: "ListBuckets", throttle: true });
    await addFault({ service: "rds", status500: true });
    await addFault({ service: "sts", error: { code: "ExpiredToken", message: "expired", status: 403 } });
    await addFault({ service: "cloudformation", throttle: true });
    await awsError(() => c.kms.send(new DescribeKeyCommand({ KeyId: key.KeyMetadata?.KeyId })));
    await awsError(() => c.kms.send(new GenerateDataKeyCommand({ KeyId: arn, KeySpec: "AES_256", EncryptionContext: { tenant: "acme" } })));
    await awsError(() => c.s3.send(new ListBucketsCommand({})));
    await awsError(() => c.rds.send(new DescribeDBClustersCommand({})));
    await awsError(() => c.sts.send(new GetCallerIdentityCommand({})));
    await awsError(() => c.cloudformation.send(new DescribeStacksCommand({})));
    const events = (await trailOf({ since: "1970-01-01" })).filter((e) => e.fault !== undefined);
    expect(events.map((e) => [e.service, e.action, e.result, e.errorCode, e.fault?.effect])).toEqual([
      ["kms", "DescribeKey", "throttled", "ThrottlingException", "throttle"],
      ["kms", "GenerateDataKey", "fault", "KMSInternalException", "error"],
      ["s3", "ListBuckets", "throttled", "SlowDown", "throttle"],
      ["rds", "DescribeDBClusters", "fault", "InternalFailure", "status500"],
      ["sts", "GetCallerIdentity", "fault", "ExpiredToken", "error"],
      ["cloudformation", "DescribeStacks", "throttled", "Throttling", "throttle"],
    ]);
    expect(events[0]?.keyArn).toBe(arn);
    expect(events[1]).toMatchObject({ keyArn: arn, encryptionContext: { tenant: "acme" } });
    expect(events[2]).toMatchObject({ principal: "arn:aws:iam::123456789012:user/customer-admin", keyArn: "" });
    expect((await trailOf({ service: "s3" })).map((e) => e.action)).toEqual(["ListBuckets"]);
  });
});

describe("state, trail and reset", () => {
  test("the trail records allowed and denied KMS calls; state shows keys without material; reset empties both", async () => {
    const c = clientsFor(sandbox.url, "customer");
    const key = await c.kms.send(new CreateKeyCommand({}));
    const arn = key.KeyMetadata?.Arn ?? "";
    await c.kms.send(new GenerateDataKeyCommand({ KeyId: arn, KeySpec: "AES_256", EncryptionContext: { tenant: "acme" } }));
    await awsError(() => clientsFor(sandbox.url, "platform").kms.send(new GenerateDataKeyCommand({ KeyId: arn, KeySpec: "AES_256" })));
    const trail = await sandboxJson<{ events: Array<{ action: string; result: string; keyArn: string; errorCode?: string; encryptionContext?: Record<string, string>; time: string; principal: string }> }>(sandbox.url, `/_sandbox/trail?keyArn=${encodeURIComponent(arn)}&action=GenerateDataKey`);
    expect(trail.events.map((e) => e.result)).toEqual(["allowed", "denied"]);
    expect(trail.events[0]?.encryptionContext).toEqual({ tenant: "acme" });
    expect(trail.events[1]).toMatchObject({ errorCode: "AccessDeniedException", principal: "arn:aws:sts::210987654321:assumed-role/byok-portal/portal" });
    const stateText = await (await fetch(`${sandbox.url}/_sandbox/state`)).text();
    expect(stateText).toContain(arn);
    expect(stateText).toContain("<redacted>");
    await sandboxJson(sandbox.url, "/_sandbox/reset", { method: "POST" });
    expect((await sandboxJson<{ events: unknown[] }>(sandbox.url, "/_sandbox/trail")).events).toEqual([]);
    expect((await c.kms.send(new ListKeysCommand({}))).Keys).toEqual([]);
  });

  test("state survives a restart through the state file", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sandbox-state-"));
    const stateFile = path.join(dir, "state.json");
    try {
      const first = await startTestSandbox({ stateFile });
      const key = await clientsFor(first.url, "customer").kms.send(new CreateKeyCommand({ Description: "persisted" }));
      await first.close();
      const second = await startTestSandbox({ stateFile });
      const d = await clientsFor(second.url, "customer").kms.send(new DescribeKeyCommand({ KeyId: key.KeyMetadata?.KeyId }));
      expect(d.KeyMetadata?.Description).toBe("persisted");
      await second.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
