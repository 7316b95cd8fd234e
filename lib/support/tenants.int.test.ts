import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/test-database";
import { tenantQuerySchema, type TenantQuery } from "./tenant-query";
import { KEY_HEALTH_RANK, KEY_HEALTH_STATES } from "@/lib/key-health/states";
import { keyHealthOfRank, PAGE_SIZE, queryTenants, type TenantRow } from "./tenants";

const regions = ["eu-west-1", "eu-central-1", "us-east-1"];
const query = (input: Record<string, string> = {}): TenantQuery => tenantQuerySchema(regions).parse(input);
const statuses = ["READY", "FAILED", "PROVISIONING", "DRAFT"] as const;

let database: TestDatabase;
let prisma: PrismaClient;

beforeAll(async () => {
  database = await createTestDatabase(inject("databaseAdminUrl"));
  prisma = createPrismaClient(database.url);
  const user = await prisma.user.create({ data: { id: "u1", name: "Owner", email: "owner@example.com" } });
  // 60 organizations with 0–3 environments each; the database triggers keep the summaries.
  for (let i = 0; i < 60; i += 1) {
    const organization = await prisma.organization.create({ data: { id: `org-${i}`, name: `Tenant ${String(i).padStart(2, "0")}`, slug: `tenant-${i}` } });
    for (let j = 0; j < i % 4; j += 1) {
      const environment = await prisma.environment.create({
        data: {
          organizationId: organization.id,
          createdById: user.id,
          name: `env ${i}-${j}`,
          region: regions[(i + j) % 3] ?? "eu-west-1",
          encryptionMode: j === 1 ? "CUSTOMER_MANAGED" : "VENDOR_MANAGED",
          s3KeyArn: j === 1 ? `arn:aws:kms:eu-west-1:1234567890${String(i).padStart(2, "0")}:key/0000${i}` : null,
        },
      });
      const status = statuses[(i + j) % 4] ?? "DRAFT";
      if (status !== "DRAFT") await prisma.environment.update({ where: { id: environment.id }, data: { status } });
    }
  }
}, 120_000);

afterAll(async () => {
  await prisma.$disconnect();
  await database.drop();
});

async function everyRow(input: Record<string, string> = {}) {
  const rows: TenantRow[] = [];
  let cursor: string | undefined;
  do {
    const page = await queryTenants(prisma, query({ ...input, ...(cursor ? { cursor } : {}) }));
    rows.push(...page.rows);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return rows;
}

async function everyPage(input: Record<string, string>) {
  const names: string[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 20; guard += 1) {
    const page = await queryTenants(prisma, query({ ...input, ...(cursor ? { cursor } : {}) }));
    expect(page.rows.length).toBeLessThanOrEqual(PAGE_SIZE);
    names.push(...page.rows.map((row) => row.name));
    if (!page.nextCursor) return names;
    cursor = page.nextCursor;
  }
  throw new Error("pagination did not end");
}

describe("tenants list", () => {
  test("the summary columns follow the environments (triggers)", async () => {
    const organization = await prisma.organization.findUniqueOrThrow({ where: { id: "org-7" } });
    expect(organization.environmentCount).toBe(3);
    // org-7's environments have statuses (7+0)%4=DRAFT, (7+1)%4=READY, (7+2)%4=FAILED → worst is failed.
    expect(organization.worstStatusRank).toBe(3);
    const page = await queryTenants(prisma, query({ q: "Tenant 07" }));
    expect(page.rows).toMatchObject([{ id: "org-7", environmentCount: 3, worstStatus: "FAILED" }]);
  });

  test.each(["name", "-name", "activity", "environments", "status", "keyHealth"])("cursor pagination by %s visits every tenant once", async (sort) => {
    const names = await everyPage({ sort });
    expect(names).toHaveLength(60);
    expect(new Set(names).size).toBe(60);
  });

  test("name order is really ordered, in both directions", async () => {
    const ascending = await everyPage({ sort: "name" });
    expect(ascending).toEqual([...ascending].sort());
    expect(await everyPage({ sort: "-name" })).toEqual([...ascending].reverse());
  });

  test("search by key ARN, environment name and organization name; filters combine", async () => {
    expect((await queryTenants(prisma, query({ q: "arn:aws:kms:eu-west-1:123456789014:key/000014" }))).rows.map((row) => row.id)).toEqual(["org-14"]);
    expect((await queryTenants(prisma, query({ q: "env 42-1" }))).rows.map((row) => row.id)).toEqual(["org-42"]);
    // A bare key id, as customers quote it (the part after "key/"), in any case.
    const keyed = await prisma.environment.create({
      data: {
        organizationId: "org-3",
        createdById: "u1",
        name: "keyed",
        region: "eu-west-1",
        encryptionMode: "CUSTOMER_MANAGED",
        s3KeyArn: "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        rdsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/mrk-8e1f2a3b4c5d6e7f8091a2b3c4d5e6f7",
      },
    });
    expect((await queryTenants(prisma, query({ q: "1234ABCD-12ab-34cd-56ef-1234567890ab" }))).rows.map((row) => row.id)).toEqual(["org-3"]);
    expect((await queryTenants(prisma, query({ q: "mrk-8e1f2a3b4c5d6e7f8091a2b3c4d5e6f7" }))).rows.map((row) => row.id)).toEqual(["org-3"]);
    await prisma.environment.delete({ where: { id: keyed.id } });
    expect((await queryTenants(prisma, query({ q: "tenant 5" }))).rows.map((row) => row.name)).toEqual(
      ["Tenant 50", "Tenant 51", "Tenant 52", "Tenant 53", "Tenant 54", "Tenant 55", "Tenant 56", "Tenant 57", "Tenant 58", "Tenant 59"],
    );
    // LIKE wildcards in the search are literal characters.
    expect((await queryTenants(prisma, query({ q: "%" }))).rows).toEqual([]);
    const filtered = await everyPage({ mode: "CUSTOMER_MANAGED", status: "READY" });
    const expected = await prisma.organization.findMany({
      where: { environments: { some: { encryptionMode: "CUSTOMER_MANAGED", status: "READY" } } },
      orderBy: { name: "asc" },
    });
    expect(filtered).toEqual(expected.map((organization) => organization.name));
    expect(filtered.length).toBeGreaterThan(0);
  });

  test("a cursor made for another sort, or garbage, starts from the first page", async () => {
    const first = await queryTenants(prisma, query({ sort: "name" }));
    const fromActivityCursor = await queryTenants(prisma, query({ sort: "activity" }));
    expect((await queryTenants(prisma, query({ sort: "name", cursor: fromActivityCursor.nextCursor ?? "" }))).rows).toEqual(first.rows);
    expect((await queryTenants(prisma, query({ sort: "name", cursor: "not-a-cursor" }))).rows).toEqual(first.rows);
  });

  test("unknown filters are refused by the schema with a message", () => {
    const parsed = tenantQuerySchema(regions).safeParse({ status: "BOGUS", region: "mars-1", keyHealth: "SICK" });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.message)).toEqual([
      "Unknown status filter.",
      "Unknown key health filter; choose a state from the Key health list.",
      "Unknown region filter.",
    ]);
  });

  test("every rank maps back to its state, and rank 0 (nothing checked yet) to none", () => {
    expect(keyHealthOfRank(0)).toBeNull();
    expect(KEY_HEALTH_STATES.filter((state) => state !== "UNKNOWN").map((state) => keyHealthOfRank(KEY_HEALTH_RANK[state]))).toEqual(
      KEY_HEALTH_STATES.filter((state) => state !== "UNKNOWN"),
    );
  });
});

describe("key health on the tenants list", () => {
  // The ready customer-managed environments of org-1 … org-59 (j = 1, i % 4 >= 2) get states
  // in turn; the trigger keeps each organization's worst.
  const byokStates = ["HEALTHY", "KEY_DISABLED", "ACCESS_DENIED", "AWS_UNREACHABLE", "UNKNOWN"] as const;
  const expected = new Map<string, Set<string>>();

  beforeAll(async () => {
    const environments = await prisma.environment.findMany({ where: { encryptionMode: "CUSTOMER_MANAGED" }, orderBy: { organizationId: "asc" } });
    for (const [index, environment] of environments.entries()) {
      const state = environment.organizationId === "org-3" ? "ACCESS_DENIED" : (byokStates[index % byokStates.length] ?? "HEALTHY");
      await prisma.keyHealth.create({ data: { environmentId: environment.id, organizationId: environment.organizationId, state } });
      const states = expected.get(state) ?? new Set<string>();
      states.add(environment.organizationId);
      expected.set(state, states);
    }
    // A second environment in org-3, pending deletion: the filter means "at least one", not "the worst".
    const org3 = await prisma.environment.findFirstOrThrow({ where: { organizationId: "org-3", encryptionMode: "VENDOR_MANAGED" } });
    await prisma.keyHealth.create({ data: { environmentId: org3.id, organizationId: "org-3", state: "PENDING_DELETION" } });
    expected.set("PENDING_DELETION", new Set(["org-3"]));
  });

  test.each(KEY_HEALTH_STATES)("the %s filter lists exactly the tenants with an environment in that state", async (state) => {
    const names = await everyPage({ keyHealth: state });
    const organizations = await prisma.organization.findMany({ where: { id: { in: [...(expected.get(state) ?? [])] } }, orderBy: { name: "asc" } });
    expect(names).toEqual(organizations.map((organization) => organization.name));
  });

  test("the column shows each tenant's worst state (the trigger's rank), none before any check", async () => {
    const rows = await everyRow();
    for (const row of rows) {
      const states = await prisma.keyHealth.findMany({ where: { organizationId: row.id }, select: { state: true } });
      const worst = states.map((health) => health.state).sort((a, b) => KEY_HEALTH_RANK[b] - KEY_HEALTH_RANK[a])[0];
      expect(row.worstKeyHealth, row.id).toBe(worst && worst !== "UNKNOWN" ? worst : null);
    }
    expect(rows.find((row) => row.id === "org-3")?.worstKeyHealth).toBe("ACCESS_DENIED");
  });

  test("the key-health filter combines with the other filters and with a search", async () => {
    const disabled = [...(expected.get("KEY_DISABLED") ?? [])];
    const [first] = await prisma.organization.findMany({ where: { id: { in: disabled } }, orderBy: { name: "asc" }, take: 1 });
    expect((await queryTenants(prisma, query({ keyHealth: "KEY_DISABLED", q: first?.name ?? "none" }))).rows.map((row) => row.id)).toEqual([first?.id]);
    expect((await queryTenants(prisma, query({ keyHealth: "KEY_DISABLED", mode: "VENDOR_MANAGED", status: "DRAFT", q: "Tenant 99" }))).rows).toEqual([]);
  });

  test("sorting by worst key health puts the worst first", async () => {
    const ranks: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await queryTenants(prisma, query({ sort: "keyHealth", ...(cursor ? { cursor } : {}) }));
      ranks.push(...page.rows.map((row) => (row.worstKeyHealth ? KEY_HEALTH_RANK[row.worstKeyHealth] : 0)));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(ranks).toHaveLength(60);
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
  });
});
