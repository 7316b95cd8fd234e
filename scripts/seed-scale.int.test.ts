import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { projectRoot } from "./lib/database";
import { loadScaleData, scaleSizeFromEnv } from "./lib/scale-data";
import { createTestDatabase, type TestDatabase } from "../lib/testing/test-database";
import { tsxCommand } from "../lib/testing/processes";
import { withPgClient } from "../lib/testing/pg-client";

const size = { organizations: 25, environments: 250 };

interface ScaleFacts {
  organizations: number;
  environments: number;
  summarised: number;
  orgsOutsideWindow: number;
  envsOutsideWindow: number;
  envsUpdatedOutsideWindow: number;
  activityBeforeCreation: number;
  keyHealth: KeyHealthFacts;
}

interface KeyHealthFacts {
  /** Ready customer-managed scale environments without a key_health row, and rows for any other. */
  readyByokWithout: number;
  rowsForOthers: number;
  /** Organizations whose worstKeyHealthRank is not what the trigger would have computed. */
  wrongWorstRank: number;
  /** Checked environments whose latest transition is not into their current state, or dated otherwise. */
  historyNotEndingInState: number;
  /** Transitions, states or checks dated in the future. */
  datedInFuture: number;
  triggerEnabled: boolean;
}

/** What every load must leave behind, whatever random() returned. */
function scaleFacts(url: string): Promise<ScaleFacts> {
  return withPgClient(url, async (client) => {
    const { rows } = await client.query<ScaleFacts>(`
      SELECT (SELECT count(*)::int FROM "organization" WHERE "id" LIKE 'scale-%') AS organizations,
             (SELECT count(*)::int FROM "environment" WHERE "organizationId" LIKE 'scale-%') AS environments,
             (SELECT coalesce(sum("environmentCount"), 0)::int FROM "organization" WHERE "id" LIKE 'scale-%') AS summarised,
             (SELECT count(*)::int FROM "organization" WHERE "id" LIKE 'scale-%'
                 AND NOT ("createdAt" BETWEEN now() - interval '900 days 1 minute' AND now())) AS "orgsOutsideWindow",
             (SELECT count(*)::int FROM "environment" WHERE "organizationId" LIKE 'scale-%'
                 AND NOT ("createdAt" BETWEEN now() - interval '700 days 1 minute' AND now())) AS "envsOutsideWindow",
             (SELECT count(*)::int FROM "environment" WHERE "organizationId" LIKE 'scale-%'
                 AND NOT ("updatedAt" BETWEEN "createdAt" AND "createdAt" + interval '30 days')) AS "envsUpdatedOutsideWindow",
             (SELECT count(*)::int FROM "organization" WHERE "id" LIKE 'scale-%'
                 AND "lastActivityAt" < "createdAt") AS "activityBeforeCreation"`);
    const [facts] = rows;
    if (!facts) throw new Error("the facts query returned no row");
    const keyHealth = await client.query<KeyHealthFacts>(`
      SELECT (SELECT count(*)::int FROM "environment" e WHERE e."organizationId" LIKE 'scale-%' AND e."status" = 'READY'
                 AND e."encryptionMode" = 'CUSTOMER_MANAGED' AND NOT EXISTS (SELECT 1 FROM "key_health" k WHERE k."environmentId" = e."id")) AS "readyByokWithout",
             (SELECT count(*)::int FROM "key_health" k JOIN "environment" e ON e."id" = k."environmentId"
               WHERE k."organizationId" LIKE 'scale-%' AND NOT (e."status" = 'READY' AND e."encryptionMode" = 'CUSTOMER_MANAGED')) AS "rowsForOthers",
             (SELECT count(*)::int FROM "organization" o WHERE o."id" LIKE 'scale-%'
                 AND o."worstKeyHealthRank" <> coalesce((SELECT max(key_health_rank(k."state")) FROM "key_health" k WHERE k."organizationId" = o."id"), 0)) AS "wrongWorstRank",
             (SELECT count(*)::int FROM "key_health" k WHERE k."organizationId" LIKE 'scale-%' AND k."state" <> 'UNKNOWN'
                 AND NOT EXISTS (SELECT 1 FROM (SELECT t."toState", t."createdAt" FROM "key_health_transition" t WHERE t."environmentId" = k."environmentId"
                                                ORDER BY t."createdAt" DESC LIMIT 1) latest
                                  WHERE latest."toState" = k."state" AND latest."createdAt" = k."stateSince")) AS "historyNotEndingInState",
             (SELECT count(*)::int FROM "key_health_transition" WHERE "organizationId" LIKE 'scale-%' AND "createdAt" > now())
               + (SELECT count(*)::int FROM "key_health" WHERE "organizationId" LIKE 'scale-%' AND ("stateSince" > now() OR "checkedAt" > now())) AS "datedInFuture",
             (SELECT tgenabled = 'O' FROM pg_trigger WHERE tgname = 'key_health_summary') AS "triggerEnabled"`);
    const [keyHealthFacts] = keyHealth.rows;
    if (!keyHealthFacts) throw new Error("the key-health facts query returned no row");
    return { ...facts, keyHealth: keyHealthFacts };
  });
}

const sound = (expected: { organizations: number; environments: number }): ScaleFacts => ({
  ...expected,
  summarised: expected.environments,
  orgsOutsideWindow: 0,
  envsOutsideWindow: 0,
  envsUpdatedOutsideWindow: 0,
  activityBeforeCreation: 0,
  keyHealth: { readyByokWithout: 0, rowsForOthers: 0, wrongWorstRank: 0, historyNotEndingInState: 0, datedInFuture: 0, triggerEnabled: true },
});

let database: TestDatabase;
let migratedIndexes: string[];

/** The environment table's index definitions (the load drops and rebuilds the secondary ones). */
const environmentIndexes = (url: string) =>
  withPgClient(url, async (client) => {
    const { rows } = await client.query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE tablename = 'environment' ORDER BY indexname`);
    return rows.map((row) => row.indexdef);
  });

beforeAll(async () => {
  database = await createTestDatabase(inject("databaseAdminUrl"), "seed_scale");
  migratedIndexes = await environmentIndexes(database.url);
});

afterAll(async () => {
  await database?.drop();
});

test("twenty loads in a row on one database each leave exactly the requested scale data", async () => {
  for (let run = 0; run < 20; run += 1) {
    const totals = await loadScaleData(database.ownerUrl, size);
    expect(totals).toEqual(size);
    expect(await scaleFacts(database.url)).toEqual(sound(size));
  }
});

test("a larger load has key health in every state, some history and some rotation off", async () => {
  await loadScaleData(database.ownerUrl, { organizations: 200, environments: 6000 });
  expect(await scaleFacts(database.url)).toEqual(sound({ organizations: 200, environments: 6000 }));
  const spread = await withPgClient(database.url, async (client) => {
    const { rows } = await client.query<{ states: string[]; rotationOff: number; recovered: number }>(`
      SELECT (SELECT array_agg(DISTINCT "state"::text ORDER BY "state"::text) FROM "key_health") AS states,
             (SELECT count(*)::int FROM "key_health" WHERE "rotationOff") AS "rotationOff",
             (SELECT count(*)::int FROM "key_health_transition" WHERE "fromState" = 'KEY_DISABLED' AND "toState" = 'HEALTHY') AS recovered`);
    return rows[0];
  });
  expect(spread?.states).toEqual(["ACCESS_DENIED", "AWS_UNREACHABLE", "HEALTHY", "KEY_DISABLED", "KEY_NOT_FOUND", "PENDING_DELETION", "UNKNOWN"]);
  expect(spread?.rotationOff).toBeGreaterThan(0);
  expect(spread?.recovered).toBeGreaterThan(0);
  expect(await environmentIndexes(database.url)).toEqual(migratedIndexes);
  expect(migratedIndexes.length).toBeGreaterThan(3);
});

describe("with random() returning the extreme values it can return", () => {
  // A random() earlier on the search path than pg_catalog's, cycling through 0, the smallest
  // step above it (2^-52, printed as 2.220446049250313e-16), a value that printed as
  // "7.41e-06", a middling one and the largest below 1. Building an interval from the text
  // of any of the small ones fails with `invalid input syntax for type interval`.
  let extremes: TestDatabase;

  beforeAll(async () => {
    extremes = await createTestDatabase(inject("databaseAdminUrl"), "seed_scale_extremes");
    const name = new URL(extremes.url).pathname.slice(1);
    // The owner's: the application role may not create schemas or change the database.
    await withPgClient(extremes.ownerUrl, async (client) => {
      await client.query(`CREATE SCHEMA extreme_random`);
      await client.query(`CREATE SEQUENCE extreme_random.draws`);
      await client.query(`
        CREATE FUNCTION extreme_random.random() RETURNS double precision VOLATILE LANGUAGE sql AS $$
          SELECT (ARRAY[0, 2.220446049250313e-16, 8.233333333333333e-09, 0.5, 0.9999999999999998]::double precision[])
                   [1 + (nextval('extreme_random.draws') % 5)::int]
        $$`);
      await client.query(`ALTER DATABASE "${name}" SET search_path = extreme_random, pg_catalog, public`);
    });
  });

  afterAll(async () => {
    await extremes?.drop();
  });

  test("the load still succeeds and keeps every date in its window", async () => {
    expect(await loadScaleData(extremes.ownerUrl, size)).toEqual(size);
    expect(await scaleFacts(extremes.url)).toEqual(sound(size));
    // The stand-in really was the random() the load called.
    const draws = await withPgClient(extremes.ownerUrl, async (client) => {
      const { rows } = await client.query<{ last_value: string }>(`SELECT last_value FROM extreme_random.draws`);
      return Number(rows[0]?.last_value);
    });
    expect(draws).toBeGreaterThanOrEqual(size.organizations + 4 * size.environments);
  });
});

describe("npm run seed:scale", () => {
  // An empty database: the script migrates it itself (and in its own process, as a user would).
  let fresh: TestDatabase;

  beforeAll(async () => {
    fresh = await createTestDatabase(inject("databaseAdminUrl"), "seed_scale_cli", { migrate: false });
  });

  afterAll(async () => {
    await fresh?.drop();
  });

  const seedScale = (env: Record<string, string>) =>
    spawnSync(...tsxCommand("scripts/seed-scale.ts"), {
      cwd: projectRoot,
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, ...env },
    });

  test("refuses a configured database without SEED_SCALE=1, in one line", () => {
    const result = seedScale({ DATABASE_URL: fresh.url, SEED_SCALE: "", SEED_SCALE_ORGANIZATIONS: "7" });
    expect(result.stderr).toBe("Refusing to load scale data into a configured DATABASE_URL; set SEED_SCALE=1 to do it on purpose.\n");
    expect(result.status).toBe(1);
  });

  test("explains a malformed size in one line", () => {
    const result = seedScale({ DATABASE_URL: fresh.url, SEED_SCALE: "1", SEED_SCALE_ENVIRONMENTS: "lots" });
    expect(result.stderr).toBe('SEED_SCALE_ENVIRONMENTS must be a whole number of at least 0 (got "lots"); unset it for the full scale (1000000).\n');
    expect(result.status).toBe(1);
  });

  test("migrates and loads a small scale into a configured database given SEED_SCALE=1", () => {
    const result = seedScale({ DATABASE_URL: fresh.url, SEED_SCALE: "1", SEED_SCALE_ORGANIZATIONS: "7", SEED_SCALE_ENVIRONMENTS: "40" });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Loaded 7 organizations and 40 environments in \d+\.\d s \(database now holds 7 organizations, 40 environments\)\.\n$/);
  });
});

test("the scale comes from SEED_SCALE_ORGANIZATIONS and SEED_SCALE_ENVIRONMENTS, and a bad value is explained", () => {
  expect(scaleSizeFromEnv({})).toEqual({ organizations: 100_000, environments: 1_000_000 });
  expect(scaleSizeFromEnv({ SEED_SCALE_ORGANIZATIONS: "12", SEED_SCALE_ENVIRONMENTS: "0" })).toEqual({ organizations: 12, environments: 0 });
  expect(() => scaleSizeFromEnv({ SEED_SCALE_ORGANIZATIONS: "ten" })).toThrow(
    'SEED_SCALE_ORGANIZATIONS must be a whole number of at least 1 (got "ten"); unset it for the full scale (100000).',
  );
  expect(() => scaleSizeFromEnv({ SEED_SCALE_ENVIRONMENTS: "2.5" })).toThrow(
    'SEED_SCALE_ENVIRONMENTS must be a whole number of at least 0 (got "2.5"); unset it for the full scale (1000000).',
  );
});
