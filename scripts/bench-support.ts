/**
 * `npm run bench:support`: p50/p95 of the support console's tenants list against the
 * scale data (`npm run seed:scale` first), and the query plans, to show which indexes
 * serve each query. Prints figures only; nothing here is a pass/fail test.
 */
import { createPrismaClient } from "../lib/db";
import { tenantQuerySchema, type TenantQuery } from "../lib/support/tenant-query";
import { encodeCursor, queryTenants, tenantPageSql } from "../lib/support/tenants";
import { openDatabase } from "./lib/database";

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 50);
const regions = ["eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-southeast-2"];
const parseQuery = (input: Record<string, string>) => tenantQuerySchema(regions).parse(input);

const database = await openDatabase();
const prisma = createPrismaClient(database.url);
try {
  const [counts] = await prisma.$queryRawUnsafe<{ organizations: number; environments: number }[]>(
    `SELECT (SELECT count(*)::int FROM "organization") AS organizations, (SELECT count(*)::int FROM "environment") AS environments`,
  );
  console.log(`Data: ${counts?.organizations} organizations, ${counts?.environments} environments`);
  if ((counts?.environments ?? 0) < 10_000) console.log("(Few environments: run `npm run seed:scale` first for meaningful figures.)");

  // A cursor 4,000 tenants deep, exactly as the "Next page" link would carry it.
  const [deep] = await prisma.$queryRawUnsafe<{ id: string; name: string }[]>(
    `SELECT "id", "name" FROM "organization" ORDER BY "name", "id" OFFSET 4000 LIMIT 1`,
  );
  const [byokEnvironment] = await prisma.$queryRawUnsafe<{ s3KeyArn: string }[]>(
    `SELECT "s3KeyArn" FROM "environment" WHERE "s3KeyArn" IS NOT NULL ORDER BY "createdAt" DESC LIMIT 1`,
  );
  const cases: { name: string; query: TenantQuery }[] = [
    { name: "first page (by name)", query: parseQuery({}) },
    { name: "deep page by cursor (~4,000 in)", query: parseQuery(deep ? { cursor: encodeCursor({ sort: "name", value: deep.name, id: deep.id }) } : {}) },
    { name: "search by key ARN", query: parseQuery({ q: byokEnvironment?.s3KeyArn ?? "arn:aws:kms:eu-west-1:123456789012:key/none" }) },
    { name: "search by name fragment", query: parseQuery({ q: "Wonka Health" }) },
    { name: "filtered: failed BYOK in eu-central-1, by activity", query: parseQuery({ status: "FAILED", mode: "CUSTOMER_MANAGED", region: "eu-central-1", sort: "activity" }) },
    { name: "sorted by worst status", query: parseQuery({ sort: "status" }) },
  ];

  const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
  console.log(`\n${"query".padEnd(52)} ${"rows".padStart(5)} ${"p50 ms".padStart(8)} ${"p95 ms".padStart(8)}`);
  for (const { name, query } of cases) {
    await queryTenants(prisma, query); // warm-up
    const timings: number[] = [];
    let rows = 0;
    for (let i = 0; i < ITERATIONS; i += 1) {
      const start = performance.now();
      rows = (await queryTenants(prisma, query)).rows.length;
      timings.push(performance.now() - start);
    }
    timings.sort((a, b) => a - b);
    console.log(`${name.padEnd(52)} ${String(rows).padStart(5)} ${percentile(timings, 50).toFixed(2).padStart(8)} ${percentile(timings, 95).toFixed(2).padStart(8)}`);
  }

  for (const { name, query } of cases) {
    const sql = tenantPageSql(query);
    const plan = await prisma.$queryRawUnsafe<{ "QUERY PLAN": string }[]>(`EXPLAIN (ANALYZE, COSTS OFF) ${sql.text}`, ...sql.values);
    const lines = plan.map((row) => row["QUERY PLAN"]);
    const indexes = [...new Set(lines.flatMap((line) => [...line.matchAll(/(?:Index|Index Only|Bitmap Index) Scan(?: Backward)? on (\S+)|using (\S+)/g)].map((m) => m[1] ?? m[2])))];
    console.log(`\nEXPLAIN ${name}: indexes used: ${indexes.filter(Boolean).join(", ") || "none"}`);
    for (const line of lines) console.log(`  ${line}`);
  }
} finally {
  await prisma.$disconnect();
  await database.stop();
}
