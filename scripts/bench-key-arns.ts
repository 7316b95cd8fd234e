/**
 * How long the key-ARN step takes on loopback: the server action's use case (authorize, parse,
 * format checks, both live checks through the environment's platform session, the
 * another-organization lookup, the locked write and its audit event), against the AWS sandbox in
 * this process and a fresh PostgreSQL database. Prints figures; asserts nothing.
 *
 * Usage: npm run bench:key-arns   (or: tsx --conditions=react-server scripts/bench-key-arns.ts)
 * Database: TEST_DATABASE_ADMIN_URL or DATABASE_URL (a fresh database is made there); unset:
 * embedded PostgreSQL on BENCH_PG_PORT (default 54361). BENCH_CALLS (default 200) calls over
 * BENCH_ENVIRONMENTS (default 20) environments.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { chooseEncryption, acknowledgeKeyInstructions, createEnvironmentDraft } from "@/lib/environments/draft";
import { provideKeyArnsUseCase } from "@/lib/environments/use-cases";
import { runUseCase } from "@/lib/pipeline/use-case";
import * as harness from "@/lib/provisioning/__testing__/harness";
import { startEmbeddedPostgres } from "./lib/embedded-postgres";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const REGION = "eu-west-1";
const CALLS = Number(process.env.BENCH_CALLS ?? 200);
const ENVIRONMENTS = Number(process.env.BENCH_ENVIRONMENTS ?? 20);
const TARGET_P50_MS = 150;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

const format = (ms: number) => `${ms.toFixed(1)} ms`;

interface Prepared {
  caller: Awaited<ReturnType<typeof harness.customerCaller>>;
  input: { environmentId: string; s3KeyArn: string; rdsKeyArn: string };
}

async function prepare(index: number): Promise<Prepared> {
  const org = await harness.seedOrganization(`bench-arns-${index}`);
  const caller = await harness.customerCaller(org.userId);
  const draft = await createEnvironmentDraft(caller, { name: `Bench ${index}`, region: REGION });
  await chooseEncryption(caller, { environmentId: draft.id, encryptionMode: "CUSTOMER_MANAGED" });
  await acknowledgeKeyInstructions(caller, { environmentId: draft.id });
  return {
    caller,
    input: {
      environmentId: draft.id,
      s3KeyArn: await harness.createCustomerKey(REGION, harness.policyFor("s3", draft.id, REGION)),
      rdsKeyArn: await harness.createCustomerKey(REGION, harness.policyFor("rds", draft.id, REGION)),
    },
  };
}

async function timed(prepared: Prepared): Promise<number> {
  const started = performance.now();
  await runUseCase(provideKeyArnsUseCase, { caller: prepared.caller, ipAddress: "127.0.0.1" }, prepared.input);
  return performance.now() - started;
}

const adminUrl = process.env.TEST_DATABASE_ADMIN_URL?.trim() || process.env.DATABASE_URL?.trim() || undefined;
const pgPort = Number(process.env.BENCH_PG_PORT ?? 54361);
const embedded = adminUrl
  ? undefined
  : await startEmbeddedPostgres({
      dataDir: path.join(projectRoot, ".data/bench-key-arns-pg"),
      port: pgPort,
      log: (line) => process.stderr.write(`[bench postgres] ${line}\n`),
    });
const bench = await harness.startHarness(adminUrl ?? embedded?.url("postgres") ?? "", { rdsCreateDelayMs: 0 });
let exitCode = 0;
try {
  console.log("Key-ARN step benchmark (provide key ARNs: format checks + both live checks + write)");
  console.log(`  database: ${embedded ? `embedded PostgreSQL on 127.0.0.1:${pgPort}` : "server from TEST_DATABASE_ADMIN_URL/DATABASE_URL"}, fresh database; sandbox in this process on loopback`);
  const prepared: Prepared[] = [];
  for (let i = 0; i < ENVIRONMENTS; i += 1) prepared.push(await prepare(i));

  // First call per environment: opens its platform session (STS AssumeRole) as well.
  const cold: number[] = [];
  for (const environment of prepared) cold.push(await timed(environment));
  const warm: number[] = [];
  for (let i = 0; i < CALLS; i += 1) {
    const environment = prepared[i % prepared.length];
    if (environment) warm.push(await timed(environment));
  }
  for (const [label, samples] of [
    [`first call per environment (opens the session), n=${cold.length}`, cold],
    [`later calls (session reused), n=${warm.length}`, warm],
  ] as const) {
    const sorted = [...samples].sort((a, b) => a - b);
    console.log(`  ${label}: p50 ${format(percentile(sorted, 50))}, p95 ${format(percentile(sorted, 95))}, max ${format(sorted.at(-1) ?? Number.NaN)}`);
  }
  const all = [...cold, ...warm].sort((a, b) => a - b);
  console.log(`  all calls: p50 ${format(percentile(all, 50))} (target p50 ≤ ${TARGET_P50_MS} ms), p95 ${format(percentile(all, 95))}`);
} catch (error) {
  console.error("The benchmark could not run:", error);
  exitCode = 1;
} finally {
  await bench.close();
  await embedded?.stop();
}
process.exit(exitCode);
