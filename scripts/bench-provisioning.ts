/**
 * `npm run bench:provisioning`: how long customers wait from "Create environment" to Ready
 * when 1, 20 and 50 of them click at once, and how much the platform amplifies AWS latency
 * on one environment's critical path. Everything runs against the AWS sandbox and a fresh
 * database; prints figures next to their targets and exits 0 either way (a benchmark, not a
 * test).
 *
 *   TEST_DATABASE_ADMIN_URL or DATABASE_URL   a PostgreSQL server (a fresh database is made on
 *                                             it); unset: embedded PostgreSQL on BENCH_PG_PORT
 *   BENCH_ROUNDS=1,20,50                      customers per round
 *   BENCH_SANDBOX=inprocess|child             where the sandbox runs (default inprocess, see SANDBOX_CHOICE)
 *   PROVISIONING_CONCURRENCY                  the worker's runs at once (the portal's default 16)
 */
import type { ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { AwsClients } from "@/lib/aws/clients";
import type { TrailEvent } from "@/lib/provisioning/__testing__/harness";
import * as harness from "@/lib/provisioning/__testing__/harness";
import { startProvisioningWorker } from "@/lib/provisioning/worker";
import { resolveTimings } from "@/lib/provisioning/context";
import { awsClients, destroyAwsClients } from "@/lib/aws/clients";
import { onNewEnvironmentClients } from "@/lib/aws/environment-session";
import { db } from "@/lib/db";
import { startSandbox } from "@/sandbox/server";
import { startEmbeddedPostgres } from "./lib/embedded-postgres";
import { startSandboxProcess } from "@/lib/testing/processes";
import { env } from "@/lib/env";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const REGION = "eu-west-1";
const ROUNDS = (process.env.BENCH_ROUNDS ?? "1,20,50").split(",").map((n) => Number(n.trim())).filter((n) => Number.isInteger(n) && n > 0);
/** The sandbox's default for dev (sandbox/main.ts): a cluster stays `creating` this long. */
const DEV_RDS_CREATE_DELAY_MS = 2000;
/** Part 2 measures the platform's overhead on AWS latency, so the cluster itself takes no time to come up. */
const AMPLIFICATION_RDS_CREATE_DELAY_MS = 0;
const INJECTED_LATENCY_MS = 300;
const TARGET_P95_MS = 30_000;
const TARGET_AMPLIFICATION = 1.2;
const ROUND_TIMEOUT_MS = 5 * 60_000;
const OBSERVE_INTERVAL_MS = 25;
/** Customers are prepared this many at a time (orgs, keys, drafts); only the click is simultaneous. */
const SETUP_BATCH = 10;

type SandboxMode = "child" | "inprocess";
const SANDBOX_MODE: SandboxMode = process.env.BENCH_SANDBOX === "child" ? "child" : "inprocess";
/**
 * Measured both ways at 1/20/50 customers: the same figures within the machine's noise. The
 * bench process (web pool, worker and sandbox together) uses under a third of one core and its
 * event-loop delay is the same with the sandbox in a child process, so one event loop does
 * not distort them; the child adds a state file written on every change and a cold process
 * for part 2.
 */
const SANDBOX_CHOICE =
  SANDBOX_MODE === "inprocess"
    ? "in this process; measured against BENCH_SANDBOX=child (`tsx sandbox/main.ts`): same figures within noise, this process stays under a third of a core (CPU, loop delay below)"
    : "child process (`tsx sandbox/main.ts`, state file under .data/bench-provisioning/), chosen with BENCH_SANDBOX=child";

// ---------------------------------------------------------------------------------------
// The sandbox, in a child process or in this one, always on the same port: part 2 needs a
// fresh one with another cluster delay, and the portal's configuration (env()) is read once.

interface BenchSandbox {
  url: string;
  /** CPU seconds the sandbox process has used so far; null when it shares this process. */
  cpuSeconds(): number | null;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const children = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

async function startBenchSandbox(port: number, rdsCreateDelayMs: number): Promise<BenchSandbox> {
  if (SANDBOX_MODE === "inprocess") {
    const sandbox = await startSandbox({ port, rdsCreateDelayMs });
    return { url: sandbox.url, cpuSeconds: () => null, close: () => sandbox.close() };
  }
  const stateDir = path.join(projectRoot, ".data/bench-provisioning");
  mkdirSync(stateDir, { recursive: true });
  const stateFile = path.join(stateDir, `sandbox-${process.pid}-${port}.json`);
  rmSync(stateFile, { force: true });
  const handle = await startSandboxProcess({ port, stateFile, rdsCreateDelayMs });
  const child = handle.process;
  children.add(child);
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    cpuSeconds: () => processCpuSeconds(child.pid),
    async close() {
      await handle.kill("SIGTERM");
      children.delete(child);
      rmSync(stateFile, { force: true });
    },
  };
}

/** utime + stime of a process from /proc (Linux), in seconds. */
function processCpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 14 and 15 of stat(5), counted after the command name (which ends at ")").
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------
// Client-side timing of every AWS call the platform makes, attributed to its environment by
// the environment id in the request (bucket names and the cluster identifier carry it).

interface AwsCallTiming {
  environmentId: string | null;
  operation: string;
  startMs: number;
  endMs: number;
}

let awsTimings: AwsCallTiming[] = [];
const instrumented = new WeakSet<object>();
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

function timing<A extends { input: object }, R>(next: (args: A) => Promise<R>, context: { commandName?: string }): (args: A) => Promise<R> {
  return async (args) => {
    const startMs = Date.now();
    try {
      return await next(args);
    } finally {
      const environmentId = UUID.exec(JSON.stringify(args.input))?.[0] ?? null;
      awsTimings.push({ environmentId, operation: context.commandName?.replace(/Command$/, "") ?? "?", startMs, endMs: Date.now() });
    }
  };
}

/**
 * Times every AWS call: the worker's runs use one set of clients per environment session
 * (lib/aws/environment-session.ts), instrumented as each is made; AssumeRole goes through the
 * Region's base clients.
 */
function instrument(clients: AwsClients): void {
  if (instrumented.has(clients)) return;
  instrumented.add(clients);
  const options = { step: "initialize", priority: "high", name: "benchProvisioningTiming" } as const;
  clients.s3.middlewareStack.add(timing, options);
  clients.rds.middlewareStack.add(timing, options);
  clients.kms.middlewareStack.add(timing, options);
  clients.sts.middlewareStack.add(timing, options);
}

function instrumentAwsClients(): void {
  instrument(awsClients(REGION));
}
onNewEnvironmentClients(instrument);

// ---------------------------------------------------------------------------------------
// Customers, clicks and what each customer saw.

interface Customer {
  organizationId: string;
  userId: string;
  environmentId: string;
  s3KeyArn: string;
  rdsKeyArn: string;
}

/** Its own organization and admin, two customer-managed keys made as the customer with the wizard's key policies, a draft with both ARNs. */
async function prepareCustomers(count: number): Promise<Customer[]> {
  const customers: Customer[] = [];
  for (let i = 0; i < count; i += SETUP_BATCH) {
    const batch = Array.from({ length: Math.min(SETUP_BATCH, count - i) }, () => harness.byokDraft("bench", REGION));
    customers.push(...(await Promise.all(batch)));
  }
  return customers;
}

interface CustomerRun {
  environmentId: string;
  clickedAt: number;
  committedAt: number | null;
  submitError: string | null;
  /** READY or FAILED as observed by polling, or null when neither showed up in time. */
  status: "READY" | "FAILED" | null;
  observedAt: number | null;
}

/** Every customer clicks at the same moment; then the environments are polled until each is READY or FAILED. */
async function clickAll(customers: Customer[]): Promise<CustomerRun[]> {
  const runs = new Map<string, CustomerRun>();
  const gaveUp = new Set<string>();
  const clickedAt = Date.now();
  const submits = Promise.all(
    customers.map(async (customer) => {
      const run: CustomerRun = { environmentId: customer.environmentId, clickedAt, committedAt: null, submitError: null, status: null, observedAt: null };
      runs.set(customer.environmentId, run);
      try {
        await harness.submit(customer.environmentId, customer.userId);
        run.committedAt = Date.now();
      } catch (error) {
        run.submitError = error instanceof Error ? error.message : String(error);
        gaveUp.add(customer.environmentId);
      }
    }),
  );
  const pending = new Set(customers.map((c) => c.environmentId));
  const deadline = clickedAt + ROUND_TIMEOUT_MS;
  while (pending.size > 0 && Date.now() < deadline) {
    for (const id of gaveUp) pending.delete(id);
    const settled = await db().environment.findMany({
      where: { id: { in: [...pending] }, status: { in: ["READY", "FAILED"] } },
      select: { id: true, status: true },
    });
    const observedAt = Date.now();
    for (const row of settled) {
      const run = runs.get(row.id);
      if (!run || (row.status !== "READY" && row.status !== "FAILED")) continue;
      run.status = row.status;
      run.observedAt = observedAt;
      pending.delete(row.id);
    }
    if (pending.size > 0) await sleep(OBSERVE_INTERVAL_MS);
  }
  await submits;
  return customers.map((c) => runs.get(c.environmentId)).filter((run): run is CustomerRun => run !== undefined);
}

// ---------------------------------------------------------------------------------------
// Where each customer's time went, from the attempt and step rows and the AWS call timings.

interface Breakdown {
  submitMs: number;
  queueMs: number;
  awsMs: number;
  pollWaitMs: number;
  platformMs: number;
  observeMs: number;
}

const pollsDetailsSchema = z.object({ operation: z.literal("DescribeDBClusters"), polls: z.number().int() });

/** The pauses between DescribeDBClusters polls: waiting for the cluster, not working (lib/provisioning/database.ts). */
function pollWaitMs(polls: number): number {
  const timings = resolveTimings();
  let delay = timings.clusterPollInitialMs;
  let total = 0;
  for (let i = 1; i < polls; i += 1) {
    total += delay;
    delay = Math.min(delay * 2, timings.clusterPollMaxMs);
  }
  return total;
}

/** Length of the union of intervals: time during which at least one of them was under way. */
function coveredMs(intervals: Array<[number, number]>): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = -Infinity;
  for (const [s, e] of sorted) {
    if (e <= end) continue;
    total += e - Math.max(s, end);
    end = e;
  }
  return total;
}

async function breakdowns(runs: CustomerRun[]): Promise<{ rows: Breakdown[]; peakRunning: number; failures: string[] }> {
  const ids = runs.map((r) => r.environmentId);
  const [attempts, environments, pollEvents, failedSteps] = await Promise.all([
    db().provisioningAttempt.findMany({ where: { environmentId: { in: ids } }, select: { environmentId: true, startedAt: true, finishedAt: true } }),
    db().environment.findMany({ where: { id: { in: ids } }, select: { id: true, provisionedAt: true } }),
    db().auditEvent.findMany({ where: { environmentId: { in: ids }, action: "aws.call" }, select: { environmentId: true, details: true } }),
    db().provisioningStep.findMany({ where: { environmentId: { in: ids }, status: "FAILED" }, select: { key: true, errorCode: true, errorMessage: true } }),
  ]);
  const attemptOf = new Map(attempts.map((a) => [a.environmentId, a]));
  const provisionedAt = new Map(environments.map((e) => [e.id, e.provisionedAt]));
  const polls = new Map<string, number>();
  for (const event of pollEvents) {
    const parsed = pollsDetailsSchema.safeParse(event.details);
    if (parsed.success && event.environmentId) polls.set(event.environmentId, (polls.get(event.environmentId) ?? 0) + parsed.data.polls);
  }
  const rows: Breakdown[] = [];
  for (const run of runs) {
    const attempt = attemptOf.get(run.environmentId);
    const ready = provisionedAt.get(run.environmentId);
    if (run.status !== "READY" || !attempt?.startedAt || !ready || run.committedAt === null || run.observedAt === null) continue;
    const started = attempt.startedAt.getTime();
    const finished = ready.getTime();
    const awsMs = coveredMs(awsTimings.filter((t) => t.environmentId === run.environmentId).map((t): [number, number] => [Math.max(t.startMs, started), Math.min(t.endMs, finished)]).filter(([s, e]) => e > s));
    const waits = pollWaitMs(polls.get(run.environmentId) ?? 0);
    rows.push({
      submitMs: run.committedAt - run.clickedAt,
      queueMs: started - run.committedAt,
      awsMs,
      pollWaitMs: waits,
      platformMs: finished - started - awsMs - waits,
      observeMs: run.observedAt - finished,
    });
  }
  // Most attempts running at one moment: the worker's concurrency in practice.
  const edges = attempts.flatMap((a) => (a.startedAt && a.finishedAt ? [[a.startedAt.getTime(), 1] as const, [a.finishedAt.getTime(), -1] as const] : []));
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let running = 0;
  let peakRunning = 0;
  for (const [, delta] of edges) {
    running += delta;
    peakRunning = Math.max(peakRunning, running);
  }
  const failures = [
    ...runs.filter((r) => r.submitError).map((r) => `submit: ${r.submitError}`),
    ...failedSteps.map((s) => `${s.key}: ${s.errorCode ?? "?"} ${s.errorMessage ?? ""}`.trim()),
    ...runs.filter((r) => !r.submitError && r.status === null).map(() => `not settled within ${ROUND_TIMEOUT_MS / 1000} s`),
  ];
  return { rows, peakRunning, failures };
}

// ---------------------------------------------------------------------------------------
// Part 1: rounds of customers clicking at once.

interface RoundResult {
  customers: number;
  ready: number;
  failed: number;
  latenciesMs: number[];
  rows: Breakdown[];
  peakRunning: number;
  failures: string[];
  awsCallMs: number[];
  awsCalls: AwsCallTiming[];
  loopP99Ms: number;
  loopMaxMs: number;
  benchCpu: number;
  sandboxCpu: number | null;
  wallMs: number;
}

async function round(count: number, sandbox: BenchSandbox): Promise<RoundResult> {
  const customers = await prepareCustomers(count);
  awsTimings = [];
  const loop = monitorEventLoopDelay({ resolution: 10 });
  const cpuBefore = process.cpuUsage();
  const sandboxCpuBefore = sandbox.cpuSeconds();
  const started = Date.now();
  loop.enable();
  const runs = await clickAll(customers);
  loop.disable();
  const wallMs = Date.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const sandboxCpuAfter = sandbox.cpuSeconds();
  const { rows, peakRunning, failures } = await breakdowns(runs);
  const readyRuns = runs.filter((r) => r.status === "READY" && r.observedAt !== null);
  return {
    customers: count,
    ready: readyRuns.length,
    failed: count - readyRuns.length,
    latenciesMs: readyRuns.map((r) => (r.observedAt ?? 0) - r.clickedAt),
    rows,
    peakRunning,
    failures,
    awsCallMs: awsTimings.map((t) => t.endMs - t.startMs),
    awsCalls: awsTimings,
    loopP99Ms: loop.percentile(99) / 1e6,
    loopMaxMs: loop.max / 1e6,
    benchCpu: (cpu.user + cpu.system) / 1e3 / wallMs,
    sandboxCpu: sandboxCpuBefore === null || sandboxCpuAfter === null ? null : ((sandboxCpuAfter - sandboxCpuBefore) * 1000) / wallMs,
    wallMs,
  };
}

// ---------------------------------------------------------------------------------------
// Part 2: latency amplification on one environment.

interface Amplification {
  wallMs: number;
  seriesCalls: number;
  seriesCallsWithoutKmsOnBehalf: number;
  ratio: number;
  ratioWithoutKmsOnBehalf: number;
  storageChain: string[];
  databaseChain: string[];
  breakdown: Breakdown | undefined;
  status: string;
  notes: string[];
}

const awsCallSchema = z.object({
  step: z.string(),
  operation: z.string(),
  resource: z.string(),
  outcome: z.string().optional(),
  polls: z.number().int().optional(),
});

/**
 * The chain with a KMS call placed right after the call it was made inside (S3 asks KMS for
 * a data key within PutObject, RDS checks the key and makes its grant within CreateDBCluster),
 * after any KMS calls already placed there.
 */
function insertAfter(chain: string[], parent: string, label: string): string[] {
  let at = chain.lastIndexOf(parent);
  if (at < 0) return [...chain, label];
  while (chain[at + 1]?.includes(" via ")) at += 1;
  return [...chain.slice(0, at + 1), label, ...chain.slice(at + 1)];
}

/** The bucket an S3 resource (bucket or object ARN) belongs to. */
function bucketOf(resource: string): string {
  return resource.replace(/^arn:[^:]+:s3:::/, "").split("/")[0] ?? resource;
}

async function amplification(sandbox: BenchSandbox): Promise<Amplification> {
  const [customer] = await prepareCustomers(1);
  if (!customer) throw new Error("No customer was prepared.");
  const services = ["kms", "s3", "rds", "sts"] as const;
  for (const service of services) await harness.addFault(sandbox.url, { service, latencyMs: INJECTED_LATENCY_MS, forMs: 30 * 60_000 });
  awsTimings = [];
  let runs: CustomerRun[];
  try {
    runs = await clickAll([customer]);
  } finally {
    await fetch(`${sandbox.url}/_sandbox/faults`, { method: "DELETE" });
  }
  const run = runs[0];
  const notes: string[] = [];
  const { rows, failures } = await breakdowns(runs);
  notes.push(...failures);

  // The calls in series, from the environment's aws.call audit events.
  const calls = (await harness.awsCalls(customer.environmentId)).flatMap((details) => {
    const parsed = awsCallSchema.safeParse(details);
    return parsed.success ? [parsed.data] : [];
  });
  const perBucket = new Map<string, string[]>();
  for (const call of calls.filter((c) => c.step === "object-storage")) {
    const bucket = bucketOf(call.resource);
    perBucket.set(bucket, [...(perBucket.get(bucket) ?? []), call.operation]);
  }
  const databaseChain: string[] = [];
  for (const call of calls.filter((c) => c.step === "database")) {
    const times = call.operation === "DescribeDBClusters" && call.polls !== undefined ? call.polls : 1;
    for (let i = 0; i < times; i += 1) databaseChain.push(call.operation);
  }

  // KMS calls S3 and RDS made on the platform's behalf inside those calls were delayed too,
  // and ran in series with them: from the sandbox's trail.
  const events: TrailEvent[] = (await harness.trail(sandbox.url)).filter((e) => run !== undefined && Date.parse(e.time) >= run.clickedAt && e.fault?.effect === "latency");
  const onBehalf = events.filter((e) => e.viaService !== undefined);
  for (const event of onBehalf) {
    const label = `${event.action} via ${event.viaService?.split(".")[0] ?? "?"}`;
    const s3Arn = event.encryptionContext?.["aws:s3:arn"];
    if (event.viaService?.startsWith("s3.") && s3Arn !== undefined) {
      const bucket = bucketOf(s3Arn);
      perBucket.set(bucket, insertAfter(perBucket.get(bucket) ?? [], "PutObject", label));
    } else if (event.viaService?.startsWith("rds.")) {
      databaseChain.splice(0, databaseChain.length, ...insertAfter(databaseChain, "CreateDBCluster", label));
    } else {
      notes.push(`KMS call on a caller's behalf not placed on the critical path: ${label}`);
    }
  }
  const storageChain = [...perBucket.values()].reduce<string[]>((longest, chain) => (chain.length > longest.length ? chain : longest), []);
  const wire = events.filter((e) => e.viaService === undefined && e.principal.startsWith(harness.PLATFORM_SESSION_ARN_PREFIX)).length;
  const audited = [...perBucket.values()].flat().filter((op) => !op.includes(" via ")).length + databaseChain.filter((op) => !op.includes(" via ")).length;
  if (wire !== audited) notes.push(`the sandbox saw ${wire} delayed calls from the platform, the audit log accounts for ${audited} (SDK-level retries?)`);

  const wallMs = run?.observedAt != null ? run.observedAt - run.clickedAt : NaN;
  const seriesCalls = storageChain.length + databaseChain.length;
  const seriesCallsWithoutKmsOnBehalf = seriesCalls - [...storageChain, ...databaseChain].filter((op) => op.includes(" via ")).length;
  return {
    wallMs,
    seriesCalls,
    seriesCallsWithoutKmsOnBehalf,
    ratio: wallMs / (INJECTED_LATENCY_MS * seriesCalls),
    ratioWithoutKmsOnBehalf: wallMs / (INJECTED_LATENCY_MS * seriesCallsWithoutKmsOnBehalf),
    storageChain,
    databaseChain,
    breakdown: rows[0],
    status: run?.status ?? (run?.submitError ? "submit failed" : "not settled"),
    notes,
  };
}

// ---------------------------------------------------------------------------------------
// Printing.

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Nearest-rank percentile. */
function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const seconds = (ms: number) => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : "—");
const verdict = (met: boolean) => (met ? "ok" : "MISSED <<<");

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].map((l) => `  ${l}`).join("\n");
}

function printRounds(results: RoundResult[]): void {
  console.log(`\n1. Click → Ready (READY observed by polling every ${OBSERVE_INTERVAL_MS} ms), all customers of a round clicking at once`);
  console.log(
    table(
      ["customers", "Ready", "failed", "p50 s", "p95 s", "max s", "targets"],
      results.map((r) => {
        const targets =
          r.customers === 50
            ? `50/50 Ready, no error: ${verdict(r.ready === 50 && r.failures.length === 0)}   p95 ≤ 30 s: ${verdict(percentile(r.latenciesMs, 95) <= TARGET_P95_MS)}`
            : r.failed > 0
              ? "failures <<<"
              : "";
        return [String(r.customers), String(r.ready), String(r.failed), seconds(percentile(r.latenciesMs, 50)), seconds(percentile(r.latenciesMs, 95)), seconds(Math.max(...r.latenciesMs)), targets];
      }),
    ),
  );
  if (!results.some((r) => r.customers === 50)) console.log("  (no round of 50: the targets are for 50 customers)");

  console.log("\n   Where a customer's time went, p50/p95 in s (per customer; the columns add up to click → Ready):");
  console.log("   submit = click → transaction committed; queue = committed → worker started the attempt; AWS = some AWS call of");
  console.log("   it under way (client side: SDK + sandbox); poll waits = pauses between DescribeDBClusters polls while the cluster");
  console.log("   is `creating`; platform = the rest of the run (database writes, audit, locks, CPU); observe = READY → seen.");
  const cell = (rows: Breakdown[], pick: (b: Breakdown) => number) => `${seconds(percentile(rows.map(pick), 50))}/${seconds(percentile(rows.map(pick), 95))}`;
  console.log(
    table(
      ["customers", "submit", "queue", "AWS", "poll waits", "platform", "observe", "runs at once", "AWS call ms p50/p95", "loop delay ms p99/max", "CPU bench/sandbox"],
      results.map((r) => [
        String(r.customers),
        cell(r.rows, (b) => b.submitMs),
        cell(r.rows, (b) => b.queueMs),
        cell(r.rows, (b) => b.awsMs),
        cell(r.rows, (b) => b.pollWaitMs),
        cell(r.rows, (b) => b.platformMs),
        cell(r.rows, (b) => b.observeMs),
        String(r.peakRunning),
        `${Math.round(percentile(r.awsCallMs, 50))}/${Math.round(percentile(r.awsCallMs, 95))}`,
        `${r.loopP99Ms.toFixed(0)}/${r.loopMaxMs.toFixed(0)}`,
        `${Math.round(r.benchCpu * 100)}%/${r.sandboxCpu === null ? "(shared)" : `${Math.round(r.sandboxCpu * 100)}%`}`,
      ]),
    ),
  );
  const slowest = results.map((r) => {
    const byOperation = new Map<string, number[]>();
    for (const call of r.awsCalls) byOperation.set(call.operation, [...(byOperation.get(call.operation) ?? []), call.endMs - call.startMs]);
    const ranked = [...byOperation].map(([operation, ms]) => [operation, percentile(ms, 95)] as const).sort((a, b) => b[1] - a[1]);
    return `${r.customers}: ${ranked.slice(0, 3).map(([operation, ms]) => `${operation} ${Math.round(ms)}`).join(", ")}`;
  });
  console.log(`  slowest AWS operations, p95 ms — ${slowest.join("; ")}`);
  for (const r of results) {
    const counts = new Map<string, number>();
    for (const f of r.failures) counts.set(f, (counts.get(f) ?? 0) + 1);
    for (const [failure, n] of counts) console.log(`  ${r.customers} customers, ${n}× ${failure}`);
  }
}

function printAmplification(a: Amplification): void {
  const injected = INJECTED_LATENCY_MS * a.seriesCalls;
  console.log(`\n2. Latency amplification: +${INJECTED_LATENCY_MS} ms on every kms, s3, rds and sts call; one environment; clusters available at once (rdsCreateDelayMs ${AMPLIFICATION_RDS_CREATE_DELAY_MS})`);
  console.log(
    `   amplification = wall time click → READY observed ÷ (${INJECTED_LATENCY_MS} ms × AWS calls in series: the longest bucket's CreateBucket → PutPublicAccessBlock → PutBucketEncryption → PutObject with the KMS calls S3 made inside them, then CreateDBCluster with the KMS calls RDS made inside it, then each DescribeDBClusters poll)`,
  );
  console.log(
    table(
      ["environment", "wall s", "calls in series", "injected s", "amplification", "target ≤ 1.2"],
      [[a.status, seconds(a.wallMs), String(a.seriesCalls), seconds(injected), a.ratio.toFixed(2), verdict(a.status === "READY" && a.ratio <= TARGET_AMPLIFICATION)]],
    ),
  );
  console.log(`  in series: object storage ${a.storageChain.join(" → ")}; database ${a.databaseChain.join(" → ")}`);
  console.log(`  (not counting the ${a.seriesCalls - a.seriesCallsWithoutKmsOnBehalf} KMS calls made on the platform's behalf: ${a.seriesCallsWithoutKmsOnBehalf} calls, amplification ${a.ratioWithoutKmsOnBehalf.toFixed(2)})`);
  const b = a.breakdown;
  if (b) {
    console.log(
      `  where the wall time went, s: submit ${seconds(b.submitMs)}, queue ${seconds(b.queueMs)}, AWS ${seconds(b.awsMs)}, poll waits ${seconds(b.pollWaitMs)}, platform ${seconds(b.platformMs)}, observe ${seconds(b.observeMs)}`,
    );
  }
  for (const note of a.notes) console.log(`  note: ${note}`);
}

// ---------------------------------------------------------------------------------------

const adminUrl = process.env.TEST_DATABASE_ADMIN_URL?.trim() || process.env.DATABASE_URL?.trim() || undefined;
const pgPort = Number(process.env.BENCH_PG_PORT ?? 54359);
const embedded = adminUrl
  ? undefined
  : await startEmbeddedPostgres({
      dataDir: path.join(projectRoot, ".data/bench-provisioning-pg"),
      port: pgPort,
      log: (line) => process.stderr.write(`[bench postgres] ${line}\n`),
    });
const serverUrl = adminUrl ?? embedded?.url("postgres") ?? "";
const sandboxPort = await freePort();
let sandbox = await startBenchSandbox(sandboxPort, DEV_RDS_CREATE_DELAY_MS);
const bench = await harness.startHarness(serverUrl, { sandboxUrl: sandbox.url });
const workerLog: string[] = [];
const worker = await startProvisioningWorker({ log: (line) => workerLog.push(line) });
let exitCode = 0;
try {
  instrumentAwsClients();
  console.log("Provisioning benchmark");
  console.log(`  database: ${embedded ? `embedded PostgreSQL on 127.0.0.1:${pgPort}` : `server from ${process.env.TEST_DATABASE_ADMIN_URL?.trim() ? "TEST_DATABASE_ADMIN_URL" : "DATABASE_URL"}`}, fresh database`);
  console.log(`  sandbox: ${SANDBOX_CHOICE}`);
  console.log(`  part 1 clusters stay \`creating\` ${DEV_RDS_CREATE_DELAY_MS} ms (the sandbox's dev default); worker concurrency ${env().provisioningConcurrency}, one process for web pool + worker`);
  console.log("  warm-up: one environment provisioned first in each part, not counted");
  process.stdout.write("  running:");
  await clickAll(await prepareCustomers(1));
  const results: RoundResult[] = [];
  for (const count of ROUNDS) {
    process.stdout.write(` ${count}…`);
    results.push(await round(count, sandbox));
  }

  // A fresh sandbox on the same port: clusters become available at once, no earlier state.
  process.stdout.write(" amplification…");
  destroyAwsClients();
  await sandbox.close();
  sandbox = await startBenchSandbox(sandboxPort, AMPLIFICATION_RDS_CREATE_DELAY_MS);
  instrumentAwsClients();
  await clickAll(await prepareCustomers(1));
  const amplified = await amplification(sandbox);
  process.stdout.write(" done\n");

  printRounds(results);
  printAmplification(amplified);
  const queueErrors = workerLog.filter((line) => /error|failed/i.test(line) && !/: (succeeded|failed)$/.test(line));
  for (const line of queueErrors.slice(0, 5)) console.log(`  worker: ${line}`);
} catch (error) {
  console.error("\nThe benchmark could not run:", error);
  exitCode = 1;
} finally {
  await worker.stop();
  await bench.close();
  await sandbox.close();
  await embedded?.stop();
}
process.exit(exitCode);
