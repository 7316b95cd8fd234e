/**
 * `npm run bench:support`: the support console's pages end to end over HTTP against the
 * scale data (`npm run seed:scale` first). Starts the production build (`next start`; built
 * first into NEXT_DIST_DIR, default .next, when it has no build yet or BENCH_BUILD=1) on a
 * free port against DATABASE_URL (or the embedded database), signs in as the demo support
 * user (loaded into the database if missing), and prints p50/p95 per page: the tenants list
 * with every filter (each Key health state too), every sort, searches and a deep page, a
 * tenant, and a support environment page. Then the same for the tenants list's SQL alone,
 * with the indexes each plan uses (BENCH_EXPLAIN=1 prints the whole plans). Figures only:
 * nothing here is a pass/fail test.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { createPrismaClient } from "../lib/db";
import { KEY_HEALTH_LABELS, KEY_HEALTH_STATES } from "../lib/key-health/states";
import { tenantListHref, tenantQuerySchema, type TenantQuery } from "../lib/support/tenant-query";
import { encodeCursor, queryTenants, tenantPageSql } from "../lib/support/tenants";
import { seedDemoData } from "../prisma/seed";
import { openDatabase, projectRoot } from "./lib/database";

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 50);
const SUPPORT_EMAIL = "support@vendor.example";
const regions = ["eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-southeast-2"];
const parseQuery = (input: Record<string, string>) => tenantQuerySchema(regions).parse(input);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (address && typeof address === "object" ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** `next start` of the production build, once it answers its health check. */
async function startPortal(databaseUrl: string): Promise<{ baseUrl: string; portal: ChildProcess }> {
  const nextBin = path.join(projectRoot, "node_modules/.bin/next");
  const distDir = process.env.NEXT_DIST_DIR || ".next";
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    BYOK_EMBEDDED: "1",
    BETTER_AUTH_SECRET: randomBytes(32).toString("base64url"),
    BETTER_AUTH_URL: baseUrl,
    // Never called: the pages measured here make no AWS call, and no worker runs.
    AWS_ENDPOINT_URL: "http://127.0.0.1:9",
    AWS_ACCESS_KEY_ID: "platform",
    AWS_SECRET_ACCESS_KEY: "platform",
    PROVISIONING_WORKER: "off",
    NEXT_TELEMETRY_DISABLED: "1",
    NODE_ENV: "production",
  };
  delete env.DATABASE_OWNER_URL;
  if (process.env.BENCH_BUILD === "1" || !existsSync(path.join(projectRoot, distDir, "BUILD_ID"))) {
    console.log(`Building the portal into ${distDir} (next build) …`);
    const build = spawnSync(nextBin, ["build"], { cwd: projectRoot, stdio: "inherit", env });
    if (build.status !== 0) throw new Error("`next build` failed; its errors are printed above.");
  } else {
    console.log(`Using the existing build in ${distDir} (BENCH_BUILD=1 rebuilds it).`);
  }
  const portal = spawn(nextBin, ["start", "-p", String(port), "-H", "127.0.0.1"], { cwd: projectRoot, stdio: ["ignore", "ignore", "inherit"], env });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (portal.exitCode !== null) throw new Error(`next start exited with ${portal.exitCode}`);
    try {
      if ((await fetch(`${baseUrl}/api/health`)).ok) return { baseUrl, portal };
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error("next start did not answer /api/health within a minute");
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Signs in through better-auth's HTTP endpoint; returns the session cookie header. */
async function signInCookie(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/auth/sign-in/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: baseUrl },
    body: JSON.stringify({ email: SUPPORT_EMAIL, password: process.env.DEMO_PASSWORD ?? "demo-password" }),
  });
  const cookies = response.headers.getSetCookie().map((cookie) => cookie.split(";")[0]);
  if (!response.ok || cookies.length === 0) throw new Error(`signing in as ${SUPPORT_EMAIL} failed: HTTP ${response.status}`);
  return cookies.join("; ");
}

/** Other work on the machine skews every figure: say how busy it was. */
function machineLoad(): string {
  const [one, five] = loadavg();
  return `Machine: ${cpus().length} CPUs, load average ${one?.toFixed(2)} (1 min), ${five?.toFixed(2)} (5 min)`;
}

interface Timing {
  p50: number;
  p95: number;
  detail: string;
}

async function timePage(baseUrl: string, cookie: string, pagePath: string, expectText: string): Promise<Timing> {
  const fetchPage = async () => {
    const response = await fetch(`${baseUrl}${pagePath}`, { headers: { cookie }, redirect: "manual" });
    const html = await response.text();
    if (response.status !== 200 || !html.includes(expectText)) {
      throw new Error(`${pagePath} answered HTTP ${response.status}${response.status === 200 ? ` without "${expectText}"` : ""}`);
    }
    return html;
  };
  await fetchPage(); // warm-up
  const timings: number[] = [];
  let html = "";
  for (let i = 0; i < ITERATIONS; i += 1) {
    const start = performance.now();
    html = await fetchPage();
    timings.push(performance.now() - start);
  }
  timings.sort((a, b) => a - b);
  const tenantLinks = new Set([...html.matchAll(/href="\/support\/tenants\/([^"?]+)"/g)].map((match) => match[1])).size;
  return { p50: percentile(timings, 50), p95: percentile(timings, 95), detail: `${tenantLinks} tenants, ${Math.round(html.length / 1024)} KiB` };
}

function printRow(name: string, detail: string, timing: { p50: number; p95: number }) {
  console.log(`${name.padEnd(64)} ${detail.padStart(22)} ${timing.p50.toFixed(1).padStart(8)} ${timing.p95.toFixed(1).padStart(8)}`);
}

const database = await openDatabase();
const prisma = createPrismaClient(database.url);
let portal: ChildProcess | undefined;
try {
  const [counts] = await prisma.$queryRawUnsafe<{ organizations: number; environments: number; keyHealth: number; transitions: number }[]>(
    `SELECT (SELECT count(*)::int FROM "organization") AS organizations, (SELECT count(*)::int FROM "environment") AS environments,
            (SELECT count(*)::int FROM "key_health") AS "keyHealth", (SELECT count(*)::int FROM "key_health_transition") AS transitions`,
  );
  console.log(
    `Data: ${counts?.organizations} organizations, ${counts?.environments} environments, ` +
      `${counts?.keyHealth} key_health rows, ${counts?.transitions} key-health transitions; ${ITERATIONS} requests per case, one at a time`,
  );
  if ((counts?.environments ?? 0) < 10_000) console.log("(Few environments: run `npm run seed:scale` first for meaningful figures.)");
  console.log(await seedDemoData(database.url));
  console.log(machineLoad());

  // A cursor halfway through the tenants by name, exactly as the "Next page" link would carry it.
  const [deep] = await prisma.$queryRawUnsafe<{ id: string; name: string }[]>(
    `SELECT "id", "name" FROM "organization" ORDER BY "name", "id" OFFSET $1 LIMIT 1`,
    Math.floor((counts?.organizations ?? 0) / 2),
  );
  const [byok] = await prisma.$queryRawUnsafe<{ id: string; s3KeyArn: string; organizationId: string }[]>(
    `SELECT e."id", e."s3KeyArn", e."organizationId" FROM "key_health" k JOIN "environment" e ON e."id" = k."environmentId"
      WHERE k."state" = 'KEY_DISABLED' ORDER BY k."stateSince" DESC LIMIT 1`,
  );
  const [anyEnvironment] = await prisma.$queryRawUnsafe<{ id: string; s3KeyArn: string | null; organizationId: string }[]>(
    `SELECT "id", "s3KeyArn", "organizationId" FROM "environment" ORDER BY "createdAt" DESC LIMIT 1`,
  );
  const environment = byok ?? anyEnvironment;
  const [largest] = await prisma.$queryRawUnsafe<{ id: string }[]>(`SELECT "id" FROM "organization" ORDER BY "environmentCount" DESC, "id" LIMIT 1`);

  const cases: { name: string; query: TenantQuery }[] = [
    { name: "first page (by name)", query: parseQuery({}) },
    { name: "deep page by cursor (halfway, by name)", query: parseQuery(deep ? { cursor: encodeCursor({ sort: "name", value: deep.name, id: deep.id }) } : {}) },
    { name: "search by key ARN", query: parseQuery({ q: environment?.s3KeyArn ?? "arn:aws:kms:eu-west-1:123456789012:key/none" }) },
    { name: "search by environment id", query: parseQuery({ q: environment?.id ?? "00000000-0000-4000-8000-000000000000" }) },
    { name: "search by name fragment", query: parseQuery({ q: "Wonka Health" }) },
    { name: "filter: status Failed", query: parseQuery({ status: "FAILED" }) },
    { name: "filter: customer-managed keys", query: parseQuery({ mode: "CUSTOMER_MANAGED" }) },
    { name: "filter: region ap-southeast-2", query: parseQuery({ region: "ap-southeast-2" }) },
    { name: "filter: failed BYOK in eu-central-1, by activity", query: parseQuery({ status: "FAILED", mode: "CUSTOMER_MANAGED", region: "eu-central-1", sort: "activity" }) },
    ...KEY_HEALTH_STATES.map((state) => ({ name: `filter: Key health ${KEY_HEALTH_LABELS[state]}`, query: parseQuery({ keyHealth: state }) })),
    { name: "filter: Key health Key disabled + region, by activity", query: parseQuery({ keyHealth: "KEY_DISABLED", region: "eu-west-1", sort: "activity" }) },
    ...(["-name", "activity", "environments", "status", "keyHealth"] as const).map((sort) => ({ name: `sort: ${sort}`, query: parseQuery({ sort }) })),
  ];

  const { baseUrl, portal: started } = await startPortal(database.url);
  portal = started;
  const cookie = await signInCookie(baseUrl);

  console.log(`\nPages over HTTP (${baseUrl}), full response body`);
  console.log(`${"page".padEnd(64)} ${"".padStart(22)} ${"p50 ms".padStart(8)} ${"p95 ms".padStart(8)}`);
  const worst = { name: "", p95: 0 };
  const record = (name: string, timing: Timing) => {
    printRow(name, timing.detail, timing);
    if (timing.p95 > worst.p95) Object.assign(worst, { name, p95: timing.p95 });
  };
  for (const { name, query } of cases) {
    record(`tenants, ${name}`, await timePage(baseUrl, cookie, tenantListHref(query), "Tenants matching the search"));
  }
  if (environment) {
    record("support environment page", await timePage(baseUrl, cookie, `/support/environments/${environment.id}`, environment.id));
  }
  if (largest) record("tenant page (largest tenant)", await timePage(baseUrl, cookie, `/support/tenants/${largest.id}`, largest.id));
  console.log(`Slowest page at p95: ${worst.name} (${worst.p95.toFixed(1)} ms)`);
  console.log(machineLoad());

  console.log(`\nThe tenants list's queries alone (queryTenants: the page query and the regions/modes of its rows)`);
  console.log(`${"query".padEnd(64)} ${"indexes".padStart(22)} ${"p50 ms".padStart(8)} ${"p95 ms".padStart(8)}`);
  for (const { name, query } of cases) {
    await queryTenants(prisma, query); // warm-up
    const timings: number[] = [];
    for (let i = 0; i < ITERATIONS; i += 1) {
      const start = performance.now();
      await queryTenants(prisma, query);
      timings.push(performance.now() - start);
    }
    timings.sort((a, b) => a - b);
    const sql = tenantPageSql(query);
    const plan = (await prisma.$queryRawUnsafe<{ "QUERY PLAN": string }[]>(`EXPLAIN (ANALYZE, COSTS OFF) ${sql.text}`, ...sql.values)).map((row) => row["QUERY PLAN"]);
    const indexes = [...new Set(plan.flatMap((line) => [...line.matchAll(/(?:Index|Index Only|Bitmap Index) Scan(?: Backward)? on (\S+)|using (\S+)/g)].map((m) => m[1] ?? m[2])))];
    printRow(name, "", { p50: percentile(timings, 50), p95: percentile(timings, 95) });
    console.log(`    indexes: ${indexes.filter(Boolean).join(", ") || "none"}`);
    if (process.env.BENCH_EXPLAIN === "1") for (const line of plan) console.log(`      ${line}`);
  }
} finally {
  if (portal && portal.exitCode === null) {
    portal.kill("SIGTERM");
    await new Promise((resolve) => portal?.once("exit", resolve));
  }
  await prisma.$disconnect();
  await database.stop();
}
