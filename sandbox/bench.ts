/**
 * `npm run bench:sandbox [seconds]`: KMS GenerateDataKey throughput and latency of the sandbox,
 * with the key policy evaluated, through the real SDK client. The sandbox runs alone in its own
 * process (sandbox/main.ts, a free port, a state file in a temporary folder); the clients run in
 * two other processes (sandbox/bench-client.ts), so neither measures the other's event loop.
 * For each identity, 1, 32 and 128 concurrent clients call one customer key whose policy holds
 * the portal's statement (principal account, environment tag, S3 encryption context):
 * - platform: a session of the platform role tagged with its environment, as the portal calls;
 * - customer: the customer's own user, allowed through the account's IAM policies.
 * Prints one line per identity and concurrency: calls per second, p50 and p99 latency (a call
 * counts when it starts and ends inside the measured window), and the CPU time the server and
 * the client processes used in the window, all their threads included (100% = one core), also
 * per call. On a box busy with other work those CPU figures grow too: compare runs, not boxes.
 * A failed call is printed and makes the bench exit 1; the figures are not asserted.
 *
 *   seconds                 measured seconds per run (default 3), after a 0.5 s warm-up
 *   BENCH_CLIENT_PROCESSES  client processes (default 2)
 *   BENCH_SERVER_CPU_PROF   a folder: the sandbox process writes a V8 CPU profile there
 *                           (node --cpu-prof) when the bench stops it
 *   BENCH_CLIENT_CPU_PROF   a folder for the client processes' CPU profiles
 */
import { type ChildProcess, fork, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CreateKeyCommand, GenerateDataKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import type { BenchCredentials, RunRequest, RunResult } from "./bench-client";
import { CUSTOMER_ACCOUNT_ID, ENVIRONMENT_TAG_KEY, PLATFORM_ACCOUNT_ID, PLATFORM_ROLE_ARN } from "./identities";
import { platformSession } from "./test-support";

const USAGE = "usage: npm run bench:sandbox [seconds per run, default 3]";
const ENVIRONMENT_ID = "0f3c6b2e-8d1a-4c5e-9b7f-2a6d8e4c1f90";
const REGION = "eu-west-1";
const CONCURRENCY = [1, 32, 128];
const WARM_UP_MS = 500;
const here = path.dirname(fileURLToPath(import.meta.url));

const seconds = Number(process.argv[2] ?? 3);
const clientProcesses = Number(process.env.BENCH_CLIENT_PROCESSES ?? 2);
if (!Number.isFinite(seconds) || seconds <= 0 || !Number.isInteger(clientProcesses) || clientProcesses < 1) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}
// The SDK's notice about future Node versions would interleave with the figures.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

const policy = {
  Version: "2012-10-17",
  Statement: [
    { Sid: "Enable IAM User Permissions", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${CUSTOMER_ACCOUNT_ID}:root` }, Action: "kms:*", Resource: "*" },
    {
      Sid: "AllowPlatformUse",
      Effect: "Allow",
      Principal: { AWS: PLATFORM_ROLE_ARN },
      Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: {
        StringEquals: { "aws:PrincipalAccount": PLATFORM_ACCOUNT_ID, [`aws:PrincipalTag/${ENVIRONMENT_TAG_KEY}`]: ENVIRONMENT_ID },
        StringLike: { "kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::bench-*", "arn:aws:s3:::bench-*/*"] },
      },
    },
  ],
};

interface RunningServer {
  url: string;
  child: ChildProcess;
}

/** The sandbox as `npm run sandbox` runs it, on a free port, answering once it prints its URL. */
async function startServer(stateFile: string): Promise<RunningServer> {
  const nodeArgs = [...process.execArgv, ...profileArgs(process.env.BENCH_SERVER_CPU_PROF)];
  const child = spawn(process.execPath, [...nodeArgs, path.join(here, "main.ts")], {
    env: { ...process.env, SANDBOX_PORT: "0", SANDBOX_STATE_FILE: stateFile, SANDBOX_QUIET: "1" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = "";
    const onData = (chunk: Buffer): void => {
      output += chunk.toString("utf8");
      const m = /AWS sandbox on (http:\/\/\S+)/.exec(output);
      if (m?.[1]) {
        child.stdout?.off("data", onData);
        child.stdout?.resume();
        resolve(m[1]);
      }
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`the sandbox exited (${String(code)}) before it listened: ${output}`)));
  });
  return { url, child };
}

async function stopServer(server: RunningServer): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => server.child.once("exit", () => resolve()));
  server.child.kill("SIGTERM");
  await exited;
}

/** Clock ticks per second in /proc/<pid>/stat: USER_HZ, 100 on Linux. */
const USER_HZ = 100;

/** A process's user + system CPU time in milliseconds, from /proc (Linux); undefined elsewhere. */
function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // utime and stime, fields 14 and 15 of proc(5), counted from after the command name.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
  } catch {
    return undefined;
  }
}

/** `--cpu-prof` into `dir`, when a profile is asked for. */
function profileArgs(dir: string | undefined): string[] {
  return dir ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(dir)}`] : [];
}

function forkClient(): ChildProcess {
  return fork(path.join(here, "bench-client.ts"), [], {
    execArgv: [...process.execArgv, ...profileArgs(process.env.BENCH_CLIENT_CPU_PROF)],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
}

function runOn(child: ChildProcess, request: RunRequest): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`a client process exited (${String(code)})`));
    child.once("exit", onExit);
    child.once("message", (message: RunResult) => {
      child.off("exit", onExit);
      resolve(message);
    });
    child.send(request);
  });
}

/** Nearest-rank percentile of sorted values; undefined without values. */
function percentile(sorted: number[], p: number): number | undefined {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function milliseconds(value: number | undefined): string {
  return value === undefined ? "n/a" : `${value.toFixed(2)} ms`;
}

/** CPU time over the measured window: as a share of one core, and per counted call. */
function cpu(ms: number | undefined, calls: number): string {
  if (ms === undefined) return "n/a";
  const perCall = calls > 0 ? `, ${Math.round((ms * 1000) / calls)} µs/call` : "";
  return `${Math.round(ms / (seconds * 10))}%${perCall}`;
}

interface Identity {
  label: string;
  credentials: BenchCredentials;
  /** Whether the key policy's conditions apply to it: then a call outside them must be refused. */
  conditional: boolean;
}

/** Before timing anything: each identity may use the key, and the platform's conditions are enforced. */
async function checkPolicyIsEvaluated(url: string, keyArn: string, identities: Identity[]): Promise<void> {
  for (const identity of identities) {
    const kms = new KMSClient({ region: REGION, endpoint: url, credentials: identity.credentials, maxAttempts: 1 });
    const call = (bucket: string): Promise<unknown> =>
      kms.send(new GenerateDataKeyCommand({ KeyId: keyArn, KeySpec: "AES_256", EncryptionContext: { "aws:s3:arn": `arn:aws:s3:::${bucket}/object` } }));
    try {
      await call("bench-0");
      if (identity.conditional) {
        const refused = await call("elsewhere").then(
          () => "success",
          (error: unknown) => (error instanceof Error ? error.name : String(error)),
        );
        if (refused !== "AccessDeniedException") throw new Error(`the key policy was not enforced for ${identity.label} (got ${refused})`);
      }
    } finally {
      kms.destroy();
    }
  }
}

interface Measurement {
  calls: number;
  errors: number;
  firstError?: string;
  latencies: number[];
  serverCpuMs?: number;
  clientCpuMs: number;
}

/** One run: `concurrency` clients spread over the client processes, all timed over the same window. */
async function measure(server: RunningServer, clients: ChildProcess[], keyArn: string, identity: Identity, concurrency: number): Promise<Measurement> {
  const startAt = Date.now() + 200;
  const measureFrom = startAt + WARM_UP_MS;
  const endAt = measureFrom + seconds * 1000;
  let serverCpuAtStart: number | undefined;
  const cpuTimer = setTimeout(() => {
    serverCpuAtStart = processCpuMs(server.child.pid);
  }, measureFrom - Date.now());
  const runs: Promise<RunResult>[] = [];
  let firstClient = 0;
  clients.forEach((child, i) => {
    const share = Math.floor(concurrency / clients.length) + (i < concurrency % clients.length ? 1 : 0);
    if (share === 0) return;
    runs.push(runOn(child, { type: "run", url: server.url, region: REGION, keyArn, credentials: identity.credentials, clients: share, firstClient, startAt, measureFrom, endAt }));
    firstClient += share;
  });
  const results = await Promise.all(runs);
  clearTimeout(cpuTimer);
  const serverCpuAtEnd = processCpuMs(server.child.pid);
  const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  return {
    calls: latencies.length,
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    firstError: results.find((r) => r.firstError !== undefined)?.firstError,
    latencies,
    serverCpuMs: serverCpuAtStart !== undefined && serverCpuAtEnd !== undefined ? serverCpuAtEnd - serverCpuAtStart : undefined,
    clientCpuMs: results.reduce((sum, r) => sum + r.cpuMs, 0),
  };
}

function report(identity: Identity, concurrency: number, m: Measurement): string {
  const clientsLabel = `${concurrency} client${concurrency === 1 ? "" : "s"}`;
  const rate = Math.round(m.calls / seconds).toLocaleString("en-US");
  const failures = m.errors > 0 ? `, ${m.errors} FAILED calls (${m.firstError ?? "?"})` : "";
  return (
    `${identity.label.padEnd(30)} ${clientsLabel.padStart(11)}: ${rate.padStart(6)} GenerateDataKey/s, ` +
    `p50 ${milliseconds(percentile(m.latencies, 50))}, p99 ${milliseconds(percentile(m.latencies, 99))} ` +
    `(CPU: server ${cpu(m.serverCpuMs, m.calls)}, clients ${cpu(m.clientCpuMs, m.calls)})${failures}`
  );
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bench-sandbox-"));
const server = await startServer(path.join(tmp, "state.json"));
const clients = Array.from({ length: clientProcesses }, forkClient);
let failed = false;
try {
  const customerCredentials = { accessKeyId: "customer", secretAccessKey: "customer" };
  const customer = new KMSClient({ region: REGION, endpoint: server.url, credentials: customerCredentials, maxAttempts: 1 });
  const created = await customer.send(new CreateKeyCommand({ Policy: JSON.stringify(policy), Description: "bench:sandbox" }));
  customer.destroy();
  const keyArn = created.KeyMetadata?.Arn;
  if (!keyArn) throw new Error("CreateKey returned no key ARN");
  // One session for the whole run, as the portal reuses an environment's session.
  const session = await platformSession(server.url, ENVIRONMENT_ID, REGION);
  const sessionCredentials = await session.kms.config.credentials();
  for (const client of [session.kms, session.s3, session.rds, session.sts, session.cloudformation]) client.destroy();
  const identities: Identity[] = [
    {
      label: "platform (tagged role session)",
      credentials: { accessKeyId: sessionCredentials.accessKeyId, secretAccessKey: sessionCredentials.secretAccessKey, sessionToken: sessionCredentials.sessionToken },
      conditional: true,
    },
    { label: "customer (the key's account)", credentials: customerCredentials, conditional: false },
  ];
  await checkPolicyIsEvaluated(server.url, keyArn, identities);

  process.stdout.write(
    `GenerateDataKey (AES_256, key policy evaluated) through @aws-sdk/client-kms with keep-alive: sandbox in its own process, ` +
      `clients in ${clientProcesses} processes, ${os.cpus().length} cores; ${seconds} s per run after a ${WARM_UP_MS / 1000} s warm-up\n`,
  );
  // An untimed first run per identity: the client processes load the SDK on their first call.
  for (const identity of identities) await measure(server, clients, keyArn, identity, clients.length * 4);
  for (const identity of identities) {
    for (const concurrency of CONCURRENCY) {
      const m = await measure(server, clients, keyArn, identity, concurrency);
      process.stdout.write(`${report(identity, concurrency, m)}\n`);
      if (m.errors > 0) failed = true;
    }
  }
} finally {
  for (const child of clients) if (child.connected) child.disconnect();
  await stopServer(server);
  fs.rmSync(tmp, { recursive: true, force: true });
}
if (failed) process.exitCode = 1;
