/**
 * Acknowledged means durable: the standalone sandbox (`sandbox/main.ts`) is killed with SIGKILL
 * right after its answers arrive, and a new process on the same state file has everything.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CreateKeyCommand, DecryptCommand, DescribeKeyCommand, GenerateDataKeyCommand } from "@aws-sdk/client-kms";
import { CreateBucketCommand, GetObjectCommand, PutBucketEncryptionCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { clientsFor } from "./test-support";

const projectRoot = path.resolve(import.meta.dirname, "..");
let dir: string;
const children: ChildProcessWithoutNullStreams[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "sandbox-durable-"));
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs `sandbox/main.ts` in its own node process (tsx as a loader, not the tsx CLI, whose
 * wrapper process would take the SIGKILL and leave the server running) on a free port.
 */
async function startProcess(stateFile: string): Promise<{ url: string; child: ChildProcessWithoutNullStreams }> {
  const child = spawn(process.execPath, ["--import", "tsx", "sandbox/main.ts"], {
    cwd: projectRoot,
    env: { ...process.env, SANDBOX_PORT: "0", SANDBOX_STATE_FILE: stateFile, SANDBOX_RDS_DELAY_MS: "10", SANDBOX_QUIET: "1" },
  });
  children.push(child);
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const announced = /AWS sandbox on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (announced?.[1]) resolve(announced[1]);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.on("exit", (code, signal) => reject(new Error(`sandbox exited (${code ?? signal}) before listening:\n${output}`)));
  });
  return { url, child };
}

function kill(child: ChildProcessWithoutNullStreams): Promise<void> {
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

describe("durability", () => {
  test("keys, buckets and objects acknowledged before a SIGKILL are there after a restart", async () => {
    const stateFile = path.join(dir, "state.json");
    const first = await startProcess(stateFile);
    const c = clientsFor(first.url, "customer", "eu-west-1");
    // Concurrent mutations share writes; each is still on disk before its own answer.
    const [key, other] = await Promise.all([
      c.kms.send(new CreateKeyCommand({ Description: "survives SIGKILL" })),
      c.kms.send(new CreateKeyCommand({ Description: "so does this one" })),
      c.s3.send(new CreateBucketCommand({ Bucket: "durable-bucket", CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } })),
    ]);
    const keyArn = key.KeyMetadata?.Arn ?? "";
    await c.s3.send(new PutBucketEncryptionCommand({ Bucket: "durable-bucket", ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: keyArn } }] } }));
    await c.s3.send(new PutObjectCommand({ Bucket: "durable-bucket", Key: "report.txt", Body: "written just before the crash" }));
    await kill(first.child);

    const second = await startProcess(stateFile);
    const d = clientsFor(second.url, "customer", "eu-west-1");
    expect((await d.kms.send(new DescribeKeyCommand({ KeyId: keyArn }))).KeyMetadata?.Description).toBe("survives SIGKILL");
    expect((await d.kms.send(new DescribeKeyCommand({ KeyId: other.KeyMetadata?.KeyId }))).KeyMetadata?.Description).toBe("so does this one");
    const object = await d.s3.send(new GetObjectCommand({ Bucket: "durable-bucket", Key: "report.txt" }));
    expect(object.SSEKMSKeyId).toBe(keyArn);
    expect(await object.Body?.transformToString()).toBe("written just before the crash");
    // The trail is saved with every change: S3's data key for the object is still on record.
    const trail = (await (await fetch(`${second.url}/_sandbox/trail?keyArn=${encodeURIComponent(keyArn)}&action=GenerateDataKey`)).json()) as { events: Array<{ viaService?: string }> };
    expect(trail.events.filter((event) => event.viaService === "s3.eu-west-1.amazonaws.com")).toHaveLength(1);
    await kill(second.child);
  });

  test("reads do not write the state file", async () => {
    const stateFile = path.join(dir, "state.json");
    const sandbox = await startProcess(stateFile);
    const c = clientsFor(sandbox.url, "customer", "eu-west-1");
    const key = await c.kms.send(new CreateKeyCommand({}));
    const written = fs.statSync(stateFile, { bigint: true });
    const dataKey = await c.kms.send(new GenerateDataKeyCommand({ KeyId: key.KeyMetadata?.Arn, KeySpec: "AES_256" }));
    await c.kms.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob }));
    await c.kms.send(new DescribeKeyCommand({ KeyId: key.KeyMetadata?.Arn }));
    // Every write replaces the file (a new inode, a new mtime): an untouched file was not written.
    const after = fs.statSync(stateFile, { bigint: true });
    expect([after.ino, after.mtimeNs]).toEqual([written.ino, written.mtimeNs]);
    await c.kms.send(new CreateKeyCommand({}));
    const mutated = fs.statSync(stateFile, { bigint: true });
    expect([mutated.ino, mutated.mtimeNs]).not.toEqual([written.ino, written.mtimeNs]);
    await kill(sandbox.child);
  });
});
