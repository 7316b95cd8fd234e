/**
 * `npm run bench:health`: how fast the key-health scheduler checks environments, and how
 * many KMS calls the checks cost each customer, extrapolated to 10,000 BYOK environments at
 * the default interval. A sample of real Ready BYOK environments is provisioned against the
 * AWS sandbox (spread over the supported Regions: one rate-limiter bucket per Region), then
 * checked in rounds by the real scheduler (pg-boss queue, claims, rate limiter); the KMS
 * calls are counted in the sandbox's trail, including those S3 makes for the platform. The
 * figures for 10,000 environments follow from the measured calls per check and the interval
 * (how is printed with them). Prints and exits 0 either way: a benchmark, not a test.
 *
 *   TEST_DATABASE_ADMIN_URL or DATABASE_URL   a PostgreSQL server (a fresh database is made on
 *                                             it); unset: embedded PostgreSQL on BENCH_PG_PORT
 *   BENCH_HEALTH_SAMPLE=40                    environments provisioned and checked
 *   BENCH_HEALTH_ROUNDS=3                     times each is checked per phase
 *   KEY_HEALTH_CONCURRENCY, KEY_HEALTH_RATE_PER_SECOND, KEY_HEALTH_INTERVAL_SECONDS (the portal's settings)
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { awsClients } from "@/lib/aws/clients";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import * as harness from "@/lib/provisioning/__testing__/harness";
import { runProvisioningAttempt } from "@/lib/provisioning/run";
import type { KMSClient } from "@aws-sdk/client-kms";
import type { RDSClient } from "@aws-sdk/client-rds";
import type { S3Client } from "@aws-sdk/client-s3";
import type { CheckDeps, CheckTarget } from "@/lib/key-health/check";
import { startKeyHealthScheduler } from "@/lib/key-health/scheduler";
import type { KeyHealthCheckResult } from "@/lib/key-health/service";
import { limiterKeyFor } from "@/lib/key-health/limiter";
import { startSandbox } from "@/sandbox/server";
import { startEmbeddedPostgres } from "./lib/embedded-postgres";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SAMPLE = Math.max(1, Number(process.env.BENCH_HEALTH_SAMPLE ?? 40));
const ROUNDS = Math.max(1, Number(process.env.BENCH_HEALTH_ROUNDS ?? 3));
const FLEET = 10_000;
const SETUP_BATCH = 10;
const ROUND_TIMEOUT_MS = 5 * 60_000;

interface SampleEnvironment {
  environmentId: string;
  region: string;
  s3KeyArn: string;
  rdsKeyArn: string;
}

async function provisionSample(): Promise<SampleEnvironment[]> {
  const regions = env().supportedRegions;
  const sample: SampleEnvironment[] = [];
  for (let i = 0; i < SAMPLE; i += SETUP_BATCH) {
    const batch = Array.from({ length: Math.min(SETUP_BATCH, SAMPLE - i) }, async (_, j) => {
      const region = regions[(i + j) % regions.length] ?? env().defaultRegion;
      const draft = await harness.byokDraft("bench-health", region);
      const { attemptId } = await harness.submit(draft.environmentId, draft.userId);
      const outcome = await runProvisioningAttempt(attemptId);
      if (outcome !== "succeeded") throw new Error(`environment ${draft.environmentId} did not become Ready: ${outcome}`);
      return { environmentId: draft.environmentId, region, s3KeyArn: draft.s3KeyArn, rdsKeyArn: draft.rdsKeyArn };
    });
    sample.push(...(await Promise.all(batch)));
  }
  return sample;
}

interface PhaseResult {
  label: string;
  ratePerSecond: number;
  checks: KeyHealthCheckResult[];
  wallMs: number;
  kmsTrailEvents: number;
  assumeRoles: number;
  /** CPU time of this process (scheduler, checks, Prisma and the in-process sandbox together), ms. */
  cpuMs: number;
  perBucket: Map<string, number>;
}

/** AssumeRole calls, counted on the portal's base STS clients (the sandbox's trail records KMS only). */
let assumeRoleCalls = 0;
function countAssumeRole(region: string): void {
  awsClients(region).sts.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === "AssumeRoleCommand") assumeRoleCalls += 1;
      return next(args);
    },
    { step: "initialize", name: "benchHealthAssumeRoleCount" },
  );
}

async function trailSince(sandboxUrl: string, sinceIso: string): Promise<harness.TrailEvent[]> {
  const events = await harness.trail(sandboxUrl);
  return events.filter((e) => e.time >= sinceIso && e.principal.startsWith(harness.PLATFORM_SESSION_ARN_PREFIX));
}

/**
 * BENCHMARK ONLY, never used by the portal: an AWS that answers every call of a check at once
 * with a healthy answer, so a phase measures the engine alone (claims, queue, limiter, database).
 */
function instantAwsDeps(target: CheckTarget): CheckDeps {
  let canary = "";
  const send = (command: object): Promise<unknown> => {
    const name = command.constructor.name;
    const input = (command as { input: Record<string, unknown> }).input;
    switch (name) {
      case "DescribeKeyCommand":
        return Promise.resolve({ KeyMetadata: { KeyState: "Enabled", Arn: input.KeyId } });
      case "GetKeyRotationStatusCommand":
        return Promise.resolve({ KeyRotationEnabled: true });
      case "PutObjectCommand":
        canary = String(input.Body);
        return Promise.resolve({});
      case "GetObjectCommand":
        return Promise.resolve({ Body: { transformToString: () => Promise.resolve(canary) } });
      case "DescribeDBClustersCommand":
        return Promise.resolve({ DBClusters: [{ Status: "available" }], $metadata: {} });
      default:
        return Promise.reject(new Error(`the benchmark's instant AWS does not answer ${name} (${target.environmentId})`));
    }
  };
  return {
    aws: { kms: { send } as unknown as KMSClient, s3: { send } as unknown as S3Client, rds: { send } as unknown as RDSClient },
    openSession: () => Promise.resolve(),
    resourcePrefix: env().resourcePrefix,
    sleep: () => Promise.resolve(),
    random: Math.random,
    now: () => new Date(),
  };
}

async function phase(label: string, ratePerSecond: number, sample: SampleEnvironment[], sandboxUrl: string, aws: "sandbox" | "instant"): Promise<PhaseResult> {
  const ids = sample.map((s) => s.environmentId);
  const checks: KeyHealthCheckResult[] = [];
  // Nothing is due before the first round starts: every round claims each environment once.
  await db().keyHealth.updateMany({ where: { environmentId: { in: ids } }, data: { nextCheckAt: new Date(Date.now() + 3_600_000) } });
  const scheduler = await startKeyHealthScheduler({ ratePerSecond, ...(aws === "instant" ? { checkDeps: instantAwsDeps } : {}), sweepIntervalMs: 200, pollingIntervalSeconds: 0.5, log: () => undefined, onCheck: (r) => void checks.push(r) });
  const startedIso = new Date().toISOString();
  const assumeRolesBefore = assumeRoleCalls;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      const roundStart = new Date();
      await db().keyHealth.updateMany({ where: { environmentId: { in: ids } }, data: { nextCheckAt: new Date(roundStart.getTime() - 1_000) } });
      await scheduler.sweep();
      const deadline = Date.now() + ROUND_TIMEOUT_MS;
      for (;;) {
        const done = await db().keyHealth.count({ where: { environmentId: { in: ids }, checkedAt: { gte: roundStart } } });
        if (done === ids.length) break;
        if (Date.now() > deadline) throw new Error(`round ${round + 1} of ${label}: ${done} of ${ids.length} checked after ${ROUND_TIMEOUT_MS / 1000} s`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  } finally {
    await scheduler.stop();
  }
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const events = await trailSince(sandboxUrl, startedIso);
  const perBucket = new Map<string, number>();
  for (const check of checks) perBucket.set(check.limiterKey, (perBucket.get(check.limiterKey) ?? 0) + 1);
  return {
    label,
    ratePerSecond,
    checks,
    wallMs,
    kmsTrailEvents: events.filter((e) => e.service === "kms").length,
    assumeRoles: assumeRoleCalls - assumeRolesBefore,
    cpuMs: (cpu.user + cpu.system) / 1000,
    perBucket,
  };
}

function sum(records: Array<Record<string, number>>, prefix: string): number {
  return records.reduce((total, calls) => total + Object.entries(calls).filter(([name]) => name.startsWith(prefix)).reduce((s, [, n]) => s + n, 0), 0);
}

const fixed = (value: number, digits = 1) => value.toFixed(digits);
const grouped = (value: number) => Math.round(value).toLocaleString("en-US");

function printPhase(result: PhaseResult): void {
  const seconds = result.wallMs / 1000;
  const rate = result.checks.length / seconds;
  const buckets = [...result.perBucket.entries()].map(([key, n]) => `${key.split("|")[1]} ${fixed(n / seconds)}/s`).join(", ");
  console.log(`  ${result.label}: ${fixed(rate)} checks per second (${result.checks.length} checks in ${fixed(seconds)} s)`);
  const limit = result.ratePerSecond < 1000 ? ` (limit: ${result.ratePerSecond}/s after a full bucket's burst of ${result.ratePerSecond})` : "";
  console.log(`    per account/Region bucket: ${buckets}${limit}`);
  const quantile = (values: number[], q: number) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  };
  const aws = result.checks.map((c) => c.awsMs);
  const total = result.checks.map((c) => c.totalMs);
  console.log(`    one check: AWS part p50 ${fixed(quantile(aws, 0.5), 0)} ms, p95 ${fixed(quantile(aws, 0.95), 0)} ms; whole check (database included) p50 ${fixed(quantile(total, 0.5), 0)} ms, p95 ${fixed(quantile(total, 0.95), 0)} ms`);
  console.log(`    CPU of this process: ${fixed((100 * result.cpuMs) / result.wallMs, 0)} % of one core (checks, Prisma and the sandbox share it)`);
}

const adminUrl = process.env.TEST_DATABASE_ADMIN_URL?.trim() || process.env.DATABASE_URL?.trim() || undefined;
const pgPort = Number(process.env.BENCH_PG_PORT ?? 54361);
const embedded = adminUrl
  ? undefined
  : await startEmbeddedPostgres({
      dataDir: path.join(projectRoot, ".data/bench-health-pg"),
      port: pgPort,
      log: (line) => process.stderr.write(`[bench postgres] ${line}\n`),
    });
const serverUrl = adminUrl ?? embedded?.url("postgres") ?? "";
const sandbox = await startSandbox({ port: 0, rdsCreateDelayMs: 0 });
const bench = await harness.startHarness(serverUrl, { sandboxUrl: sandbox.url });
let exitCode = 0;
try {
  const config = env();
  console.log("Key-health benchmark");
  console.log(`  database: ${embedded ? `embedded PostgreSQL on 127.0.0.1:${pgPort}` : "server from TEST_DATABASE_ADMIN_URL/DATABASE_URL"}, fresh database; sandbox in this process`);
  process.stdout.write(`  provisioning ${SAMPLE} Ready BYOK environments over ${config.supportedRegions.length} Regions…`);
  const sample = await provisionSample();
  for (const region of config.supportedRegions) countAssumeRole(region);
  process.stdout.write(" done\n");
  const buckets = new Set(sample.map((s) => limiterKeyFor(s.s3KeyArn, s.region))).size;
  console.log(`  scheduler: concurrency ${config.keyHealthConcurrency}, ${ROUNDS} rounds of every sample environment per phase, one process; ${buckets} account/Region buckets in the sample`);

  const limited = await phase(`AWS sandbox, rate limiter on (${config.keyHealthRatePerSecond} checks/s per account and Region)`, config.keyHealthRatePerSecond, sample, sandbox.url, "sandbox");
  const instantLimited = await phase(`AWS answering at once (a stub in this benchmark), rate limiter on`, config.keyHealthRatePerSecond, sample, sandbox.url, "instant");
  const instant = await phase("AWS answering at once, rate limiter at 1000/s: the engine's own capacity", 1000, sample, sandbox.url, "instant");
  console.log("");
  printPhase(limited);
  printPhase(instantLimited);
  printPhase(instant);

  // Calls per check from the sandbox phase only: the stub makes no real calls.
  const calls = limited.checks.map((c) => c.calls);
  const perCheck = (prefix: string) => sum(calls, prefix) / limited.checks.length;
  const directKms = perCheck("kms:");
  const kmsPerCheck = limited.kmsTrailEvents / limited.checks.length;
  const viaS3 = kmsPerCheck - directKms;
  const stsPerCheck = limited.assumeRoles / limited.checks.length;
  const interval = config.keyHealthIntervalSeconds;
  const checksPerHour = 3600 / interval;
  const kmsPerEnvHour = kmsPerCheck * checksPerHour;
  const neededRate = FLEET / interval;
  const capacity = instant.checks.length / (instant.wallMs / 1000);
  const sandboxRate = limited.checks.length / (limited.wallMs / 1000);
  const perBucketCap = config.keyHealthRatePerSecond;

  console.log("");
  console.log("  per check (measured; KMS counted in the sandbox's trail, which records the calls S3 makes for the platform too):");
  console.log(`    KMS ${fixed(kmsPerCheck, 2)} = ${fixed(directKms, 2)} direct (DescribeKey, GetKeyRotationStatus on both keys) + ${fixed(viaS3, 2)} by S3 (GenerateDataKey for the canary write, Decrypt for its read)`);
  console.log(`    S3 ${fixed(perCheck("s3:"), 2)}, RDS ${fixed(perCheck("rds:"), 2)}, STS AssumeRole ${fixed(stsPerCheck, 2)} here (sessions opened by provisioning were still fresh; a session serves an environment 5 minutes, so at the default interval expect about 1 per check)`);
  console.log("");
  console.log(`  ${grouped(FLEET)} BYOK environments at the default interval (${interval} s, ±10 % jitter): extrapolated from the calls per check and the interval`);
  console.log(`    KMS calls per environment per hour: ${fixed(kmsPerEnvHour)} (${fixed(kmsPerCheck, 2)} per check × ${fixed(checksPerHour)} checks per hour)`);
  console.log(`    checks per second needed: ${fixed(neededRate)} (${grouped(FLEET)} / ${interval} s); KMS calls over all customers: ${grouped(kmsPerEnvHour * FLEET)} per hour (${fixed((kmsPerEnvHour * FLEET) / 3600)}/s)`);
  console.log(
    `    checks per second measured: ${fixed(capacity)} by the engine in one process (concurrency ${config.keyHealthConcurrency}) with AWS answering at once; ` +
      `${fixed(sandboxRate)} against the sandbox, whose own policy evaluation is the bottleneck here (see npm run bench:sandbox)`,
  );
  console.log(
    `    → the engine's own work for ${grouped(FLEET)} environments ${capacity >= neededRate ? "fits in one process" : `needs ${Math.ceil(neededRate / capacity)} processes`}, as long as they spread over at least ${Math.ceil(neededRate / perBucketCap)} account/Region buckets; ` +
      "AWS latency adds to each check's time, not to that work, and is covered by checks in flight:",
  );
  const sandboxP50Ms = [...limited.checks.map((c) => c.totalMs)].sort((a, b) => a - b)[Math.floor(limited.checks.length / 2)] ?? 0;
  console.log(
    `    checks in flight needed = checks per second × check latency: ${Math.ceil((neededRate * sandboxP50Ms) / 1000)} at the sandbox's p50 of ${fixed(sandboxP50Ms, 0)} ms ` +
      `(KEY_HEALTH_CONCURRENCY per process × processes)`,
  );
  console.log(
    `    rate limiter: at most ${perBucketCap} checks/s = ${fixed(perBucketCap * kmsPerCheck)} KMS calls/s per customer account and Region per portal process, halved while AWS throttles; ` +
      `one account and Region holds up to ${grouped(perBucketCap * interval)} environments before its checks stretch past the interval`,
  );
} catch (error) {
  console.error("\nThe benchmark could not run:", error);
  exitCode = 1;
} finally {
  await bench.close();
  await sandbox.close();
  await embedded?.stop();
}
process.exit(exitCode);
