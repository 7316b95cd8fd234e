/** The /_sandbox endpoints and persistence across restarts. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CreateKeyCommand, DescribeKeyCommand, GenerateDataKeyCommand, ListKeysCommand } from "@aws-sdk/client-kms";
import { CreateBucketCommand, PutBucketEncryptionCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { RunningSandbox } from "./server";
import { awsError, clientsFor, sandboxJson, startTestSandbox } from "./test-support";

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
    const started = Date.now();
    await c.kms.send(new ListKeysCommand({}));
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    const listed = await sandboxJson<{ faults: unknown[] }>(sandbox.url, "/_sandbox/faults");
    expect(listed.faults).toHaveLength(1);
    await fetch(`${sandbox.url}/_sandbox/faults`, { method: "DELETE" });

    const key = await c.kms.send(new CreateKeyCommand({}));
    await c.s3.send(new CreateBucketCommand({ Bucket: "fault-bucket" }));
    await c.s3.send(new PutBucketEncryptionCommand({ Bucket: "fault-bucket", ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: key.KeyMetadata?.Arn } }] } }));
    await sandboxJson(sandbox.url, "/_sandbox/faults", { method: "POST", body: { service: "kms", operation: "GenerateDataKey", error: { code: "KMSInvalidStateException", message: "injected" } } });
    expect(await awsError(() => c.s3.send(new PutObjectCommand({ Bucket: "fault-bucket", Key: "k", Body: "v" })))).toMatchObject({ name: "KMS.KMSInvalidStateException", message: "injected" });
  });

  test("malformed fault bodies are refused", async () => {
    const res = await fetch(`${sandbox.url}/_sandbox/faults`, { method: "POST", body: JSON.stringify({ service: "ec2" }) });
    expect(res.status).toBe(400);
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
    expect(trail.events[1]).toMatchObject({ errorCode: "AccessDeniedException", principal: "arn:aws:sts::210987654321:assumed-role/byok-platform/portal" });
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
