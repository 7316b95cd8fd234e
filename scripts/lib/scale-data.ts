/**
 * The support console's scale data: organizations (ids `scale-org-<n>`, one owner each) and
 * environments with a realistic spread (a few large tenants, many small ones; mostly ready,
 * some failed or in flight; a third on customer-managed keys), and for each ready
 * customer-managed environment its key health (mostly healthy, a few percent in each bad
 * state, some with rotation off) with the transitions that led there. Loading replaces the
 * previous scale data and leaves every other row alone.
 */
import pg from "pg";
import { parseIntoClientConfig } from "pg-connection-string";

export interface ScaleSize {
  organizations: number;
  environments: number;
}

export const FULL_SCALE: ScaleSize = { organizations: 100_000, environments: 1_000_000 };

/**
 * A random point up to `days` before (sign -1) or after (sign 1) `from`. Built by
 * multiplying an interval: text like `random() || ' days'` breaks whenever random() is
 * small enough to print in exponent form ("7.41e-06 days" is not an interval).
 */
function randomOffset(from: string, sign: -1 | 1, days: number): string {
  return `${from} ${sign < 0 ? "-" : "+"} random() * interval '${days} days'`;
}

/** Reads SEED_SCALE_ORGANIZATIONS and SEED_SCALE_ENVIRONMENTS; the full scale when unset. */
export function scaleSizeFromEnv(env: Record<string, string | undefined>): ScaleSize {
  const read = (name: string, fallback: number, minimum: number): number => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw.replace(/_/g, ""));
    if (!Number.isSafeInteger(value) || value < minimum) {
      throw new Error(`${name} must be a whole number of at least ${minimum} (got "${raw}"); unset it for the full scale (${fallback}).`);
    }
    return value;
  };
  return {
    organizations: read("SEED_SCALE_ORGANIZATIONS", FULL_SCALE.organizations, 1),
    environments: read("SEED_SCALE_ENVIRONMENTS", FULL_SCALE.environments, 0),
  };
}

/** Replaces the scale data in an already migrated database; returns the database's totals. */
export async function loadScaleData(databaseUrl: string, size: ScaleSize): Promise<ScaleSize> {
  const client = new pg.Client(parseIntoClientConfig(databaseUrl));
  await client.connect();
  try {
    await client.query("BEGIN");
    try {
      // Bulk load without the environment's summary trigger (summaries are computed once
      // below) and with the audit table's append-only triggers off, which lets old scale data
      // go (audit:verify then reports the events deleted). Needs the tables' owner; the
      // ALTERs are undone by the COMMIT's ENABLE below, or by a ROLLBACK.
      await client.query(`ALTER TABLE "environment" DISABLE TRIGGER USER`);
      await client.query(`ALTER TABLE "audit_event" DISABLE TRIGGER USER`);
      // Each key_health row's trigger would recompute its organization's worst state: once
      // per organization at the end instead.
      await client.query(`ALTER TABLE "key_health" DISABLE TRIGGER USER`);
      // Deleting a row checks every foreign key to it: without an index on the referencing
      // column that is a scan of the whole referencing table (dead rows included) per row
      // deleted. key_health_transition."organizationId" and environment."createdById" made a
      // re-run take 98 s and 491 s at 100,000 environments, and hours at full scale. So for
      // the deletes, a temporary index on each such column the schema leaves unindexed.
      const { rows: unindexed } = await client.query<{ table: string; column: string }>(`
        SELECT c.conrelid::regclass::text AS "table", a.attname AS "column"
          FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
         WHERE c.contype = 'f' AND c.confrelid IN ('"user"'::regclass, 'organization'::regclass, 'environment'::regclass)
           AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1])`);
      const temporaryIndexes = unindexed.map((fk, n) => ({ name: `scale_load_fk_${n}`, ...fk }));
      for (const index of temporaryIndexes) {
        await client.query(`CREATE INDEX "${index.name}" ON ${index.table} ("${index.column.replace(/"/g, '""')}")`);
      }
      await client.query(`DELETE FROM "audit_event" WHERE "organizationId" LIKE 'scale-%'`);
      await client.query(`DELETE FROM "key_health_transition" WHERE "organizationId" LIKE 'scale-%'`);
      await client.query(`DELETE FROM "key_health" WHERE "organizationId" LIKE 'scale-%'`);
      await client.query(`DELETE FROM "provisioning_step" WHERE "environmentId" IN (SELECT "id" FROM "environment" WHERE "organizationId" LIKE 'scale-%')`);
      await client.query(`DELETE FROM "provisioning_attempt" WHERE "environmentId" IN (SELECT "id" FROM "environment" WHERE "organizationId" LIKE 'scale-%')`);
      await client.query(`DELETE FROM "environment" WHERE "organizationId" LIKE 'scale-%'`);
      await client.query(`DELETE FROM "member" WHERE "organizationId" LIKE 'scale-%'`);
      await client.query(`DELETE FROM "organization" WHERE "id" LIKE 'scale-%'`);
      await client.query(`DELETE FROM "user" WHERE "id" LIKE 'scale-%'`);
      for (const index of temporaryIndexes) await client.query(`DROP INDEX "${index.name}"`);
      await client.query(`
        INSERT INTO "organization" ("id", "name", "slug", "createdAt", "lastActivityAt")
        SELECT 'scale-org-' || g,
               (ARRAY['Northwind','Contoso','Initech','Umbrella','Hooli','Vandelay','Stark','Wayne','Tyrell','Cyberdyne','Soylent','Gringotts','Oscorp','Wonka','Duff'])[1 + g % 15]
                 || ' ' || (ARRAY['Labs','Industries','Holdings','Analytics','Health','Logistics','Retail','Energy','Bank','Media'])[1 + (g / 15) % 10]
                 || ' ' || g,
               'scale-' || g,
               ${randomOffset("now()", -1, 900)},
               now()
          FROM generate_series(1, $1::int) AS g`, [size.organizations]);
      await client.query(`
        INSERT INTO "user" ("id", "name", "email", "emailVerified", "role", "createdAt", "updatedAt")
        SELECT 'scale-user-' || g, 'Admin ' || g, 'admin-' || g || '@scale.example', true, 'customer', now(), now()
          FROM generate_series(1, $1::int) AS g`, [size.organizations]);
      await client.query(`
        INSERT INTO "member" ("id", "organizationId", "userId", "role", "createdAt")
        SELECT 'scale-member-' || g, 'scale-org-' || g, 'scale-user-' || g, 'owner', now()
          FROM generate_series(1, $1::int) AS g`, [size.organizations]);
      // A million rows go in far faster with the environment's secondary indexes built once
      // afterwards (the trigram GIN indexes above all) than kept up row by row. Their
      // definitions come from the catalogue, so the load follows whatever the migrations made.
      await client.query(`SET LOCAL maintenance_work_mem = '256MB'`);
      const { rows: indexes } = await client.query<{ name: string; definition: string }>(`
        SELECT indexname AS name, indexdef AS definition FROM pg_indexes
         WHERE schemaname = current_schema() AND tablename = 'environment' AND indexdef NOT LIKE 'CREATE UNIQUE INDEX%'`);
      for (const index of indexes) await client.query(`DROP INDEX "${index.name.replace(/"/g, '""')}"`);
      // Organization index skewed towards the small numbers: a few tenants own many environments.
      // Tenant names are unique (a random suffix collided now and then in the largest tenants).
      await client.query(`
        INSERT INTO "environment" ("id", "organizationId", "name", "region", "encryptionMode", "s3KeyArn", "rdsKeyArn",
                                   "status", "tenantName", "createdById", "createdAt", "updatedAt", "wizardStep")
        SELECT gen_random_uuid(), 'scale-org-' || org, env_name, region, mode,
               CASE WHEN mode = 'CUSTOMER_MANAGED' THEN 'arn:aws:kms:' || region || ':' || lpad((100000000000 + org)::text, 12, '0') || ':key/' || gen_random_uuid() END,
               CASE WHEN mode = 'CUSTOMER_MANAGED' THEN 'arn:aws:kms:' || region || ':' || lpad((100000000000 + org)::text, 12, '0') || ':key/' || gen_random_uuid() END,
               status,
               CASE WHEN status = 'READY' THEN 'scale-' || org || '-' || to_hex(g) END,
               'scale-user-' || org, created, ${randomOffset("created", 1, 30)}, 'review'
          FROM (
            SELECT g,
                   1 + floor(power(random(), 2.2) * $1::int)::int AS org,
                   (ARRAY['Production','Staging','Analytics','Sandbox','DR','Reporting'])[1 + g % 6] || ' ' || g AS env_name,
                   (ARRAY['eu-west-1','eu-central-1','us-east-1','us-west-2','ap-southeast-2'])[1 + floor(random() * 5)::int] AS region,
                   (CASE WHEN random() < 0.35 THEN 'CUSTOMER_MANAGED' ELSE 'VENDOR_MANAGED' END)::"EncryptionMode" AS mode,
                   (CASE WHEN r < 0.80 THEN 'READY' WHEN r < 0.87 THEN 'PROVISIONING' WHEN r < 0.94 THEN 'FAILED' ELSE 'DRAFT' END)::"EnvironmentStatus" AS status,
                   ${randomOffset("now()", -1, 700)} AS created
              FROM (SELECT g, random() AS r FROM generate_series(1, $2::int) AS g) numbered
          ) spread`, [size.organizations, size.environments]);
      for (const index of indexes) await client.query(index.definition);
      // The same summary function the environment trigger calls, once per organization.
      await client.query(`SELECT organization_refresh_summary("id") FROM "organization" WHERE "id" LIKE 'scale-%'`);
      await client.query(`
        UPDATE "organization" o
           SET "lastActivityAt" = greatest(o."createdAt", s.last_at)
          FROM (SELECT "organizationId", max("updatedAt") AS last_at
                  FROM "environment" WHERE "organizationId" LIKE 'scale-%' GROUP BY "organizationId") s
         WHERE s."organizationId" = o."id"`);
      await client.query(`UPDATE "organization" SET "lastActivityAt" = "createdAt" WHERE "id" LIKE 'scale-%' AND "environmentCount" = 0`);
      await loadKeyHealth(client);
      await client.query(`ALTER TABLE "key_health" ENABLE TRIGGER USER`);
      await client.query(`ALTER TABLE "environment" ENABLE TRIGGER USER`);
      await client.query(`ALTER TABLE "audit_event" ENABLE TRIGGER USER`);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    }
    await client.query(`ANALYZE "organization"`);
    await client.query(`ANALYZE "environment"`);
    await client.query(`ANALYZE "key_health"`);
    await client.query(`ANALYZE "key_health_transition"`);
    const { rows } = await client.query<ScaleSize>(
      `SELECT (SELECT count(*)::int FROM "organization") AS organizations, (SELECT count(*)::int FROM "environment") AS environments`,
    );
    return rows[0] ?? { organizations: 0, environments: 0 };
  } finally {
    await client.end();
  }
}

/**
 * The key-health mix of ready customer-managed environments, as cumulative shares: most are
 * healthy, a few were never checked yet (just became ready), and a few percent are in each
 * bad state.
 */
const KEY_HEALTH_MIX = `CASE WHEN r < 0.03 THEN 'UNKNOWN'
                             WHEN r < 0.90 THEN 'HEALTHY'
                             WHEN r < 0.93 THEN 'AWS_UNREACHABLE'
                             WHEN r < 0.95 THEN 'KEY_DISABLED'
                             WHEN r < 0.965 THEN 'PENDING_DELETION'
                             WHEN r < 0.99 THEN 'ACCESS_DENIED'
                             ELSE 'KEY_NOT_FOUND' END`;

/** One key as the last check saw it: DescribeKey's KeyState for the key at fault, and its deletion date. */
function keyFinding(kind: "s3" | "rds"): string {
  const arn = kind === "s3" ? `k."s3KeyArn"` : `k."rdsKeyArn"`;
  return `jsonb_build_object('kind', '${kind}', 'keyArn', ${arn}, 'preflight', 'read', 'rotationEnabled', NOT k."rotationOff",
            'keyState', CASE WHEN fault <> '${kind}' THEN 'Enabled'
                             WHEN k."state" = 'KEY_DISABLED' THEN 'Disabled' WHEN k."state" = 'PENDING_DELETION' THEN 'PendingDeletion' ELSE 'Enabled' END)
          || CASE WHEN fault = '${kind}' AND k."state" = 'PENDING_DELETION'
                  THEN jsonb_build_object('deletionDate', to_char(k."stateSince" + interval '7 days', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
                  ELSE '{}'::jsonb END`;
}

/**
 * key_health for every ready customer-managed scale environment, findings in the shape
 * lib/key-health/findings.ts describes, the transitions that led to each state (and, for some
 * healthy ones, an incident they recovered from), and each organization's worst state. Runs
 * with key_health's summary trigger off (the caller's transaction).
 */
async function loadKeyHealth(client: pg.Client): Promise<void> {
  // An environment became ready at ready_at (its updatedAt, at least three hours ago) and was
  // first checked five minutes later. A healthy one's state dates from then, or (one in ten)
  // from its recovery after an incident; a bad one's from some time since. The findings hold
  // both keys and both paths as the last check saw them, and for a bad state the problem: which
  // key (the S3 one more often), which path, which statement.
  await client.query(`
    INSERT INTO "key_health" ("environmentId", "organizationId", "state", "stateSince", "rotationOff", "findings",
                              "checkedAt", "nextCheckAt", "unreachableCount", "updatedAt")
    SELECT k."environmentId", k."organizationId", k."state", k."stateSince", k."rotationOff",
           jsonb_build_object(
             'keys', CASE WHEN k."state" = 'UNKNOWN' THEN '[]'::jsonb ELSE jsonb_build_array(${keyFinding("s3")}, ${keyFinding("rds")}) END,
             'paths', CASE WHEN k."state" IN ('UNKNOWN', 'AWS_UNREACHABLE') THEN '[]'::jsonb ELSE jsonb_build_array(
               jsonb_build_object('path', 's3', 'ok', k."state" = 'HEALTHY' OR fault <> 's3',
                                  'detail', CASE WHEN k."state" = 'HEALTHY' OR fault <> 's3' THEN 'Wrote and read back the canary object.' ELSE 'The canary object could not be written.' END),
               jsonb_build_object('path', 'rds', 'ok', k."state" = 'HEALTHY' OR fault <> 'rds',
                                  'clusterStatus', CASE WHEN k."state" = 'HEALTHY' OR fault <> 'rds' THEN 'available' ELSE 'inaccessible-encryption-credentials-recoverable' END,
                                  'detail', CASE WHEN k."state" = 'HEALTHY' OR fault <> 'rds' THEN 'The Aurora cluster is available.' ELSE 'The Aurora cluster cannot use its key.' END)) END,
             'notes', '[]'::jsonb)
           || CASE WHEN k."state" IN ('HEALTHY', 'UNKNOWN') THEN '{}'::jsonb
                   ELSE jsonb_build_object('problem', jsonb_build_object('key', fault, 'path', fault)
                          || CASE WHEN k."state" = 'ACCESS_DENIED' THEN jsonb_build_object('statementSid', 'AllowPlatformUse') ELSE '{}'::jsonb END) END,
           CASE WHEN k."state" <> 'UNKNOWN' THEN checked END,
           CASE WHEN k."state" = 'UNKNOWN' THEN now() ELSE checked + interval '300 seconds' END,
           CASE WHEN k."state" = 'AWS_UNREACHABLE' THEN 3 ELSE 0 END, now()
      FROM (
        SELECT drawn.*,
               CASE WHEN "state" = 'UNKNOWN' THEN ready_at
                    WHEN "state" = 'HEALTHY' AND random() >= 0.1 THEN ready_at + interval '5 minutes'
                    ELSE ready_at + interval '2 hours 10 minutes' + random() * (now() - ready_at - interval '2 hours 10 minutes') END AS "stateSince"
          FROM (
            SELECT e."id" AS "environmentId", e."organizationId", e."s3KeyArn", e."rdsKeyArn",
                   (${KEY_HEALTH_MIX})::"KeyHealthState" AS "state",
                   random() < 0.08 AS "rotationOff",
                   CASE WHEN random() < 0.6 THEN 's3' ELSE 'rds' END AS fault,
                   least(e."updatedAt", now() - interval '3 hours') AS ready_at,
                   now() - random() * interval '300 seconds' AS checked
              FROM (SELECT *, random() AS r FROM "environment"
                     WHERE "organizationId" LIKE 'scale-%' AND "status" = 'READY' AND "encryptionMode" = 'CUSTOMER_MANAGED') e
          ) drawn
      ) k`);
  // History: the first check (Not checked yet → Healthy), the change into a bad state, and
  // for the healthy ones whose state dates from later than their first check, the incident
  // they recovered from two hours before.
  await client.query(`
    INSERT INTO "key_health_transition" ("id", "environmentId", "organizationId", "fromState", "toState", "cause", "awsError", "findings", "createdAt")
    SELECT gen_random_uuid(), k."environmentId", k."organizationId", t.from_state::"KeyHealthState", t.to_state::"KeyHealthState",
           'scheduled', t.aws_error, '{}'::jsonb, t.at
      FROM "key_health" k
      JOIN "environment" e ON e."id" = k."environmentId"
      CROSS JOIN LATERAL (SELECT least(e."updatedAt", now() - interval '3 hours') + interval '5 minutes' AS first_check) f
      CROSS JOIN LATERAL (
        SELECT f.first_check AS at, 'UNKNOWN' AS from_state, 'HEALTHY' AS to_state, NULL::jsonb AS aws_error
         WHERE k."state" <> 'UNKNOWN'
        UNION ALL
        SELECT k."stateSince", 'HEALTHY', k."state"::text,
               CASE WHEN k."state" = 'AWS_UNREACHABLE' THEN NULL ELSE jsonb_build_object('service', 'kms', 'operation', 'DescribeKey',
                 'code', CASE k."state" WHEN 'KEY_DISABLED' THEN 'DisabledException' WHEN 'PENDING_DELETION' THEN 'KMSInvalidStateException'
                                        WHEN 'ACCESS_DENIED' THEN 'AccessDeniedException' ELSE 'NotFoundException' END,
                 'message', 'The key cannot be used.', 'requestId', gen_random_uuid()::text) END
         WHERE k."state" NOT IN ('UNKNOWN', 'HEALTHY')
        UNION ALL
        SELECT k."stateSince" - interval '2 hours', 'HEALTHY', 'KEY_DISABLED',
               jsonb_build_object('service', 'kms', 'operation', 'DescribeKey', 'code', 'DisabledException', 'message', 'The key is disabled.', 'requestId', gen_random_uuid()::text)
         WHERE k."state" = 'HEALTHY' AND k."stateSince" > f.first_check
        UNION ALL
        SELECT k."stateSince", 'KEY_DISABLED', 'HEALTHY', NULL
         WHERE k."state" = 'HEALTHY' AND k."stateSince" > f.first_check
      ) t
     WHERE k."organizationId" LIKE 'scale-%'`);
  // Each organization's worst state, as the trigger would have kept it.
  await client.query(`
    UPDATE "organization" o
       SET "worstKeyHealthRank" = s.rank
      FROM (SELECT "organizationId", max(key_health_rank("state")) AS rank
              FROM "key_health" WHERE "organizationId" LIKE 'scale-%' GROUP BY "organizationId") s
     WHERE s."organizationId" = o."id" AND o."worstKeyHealthRank" <> s.rank`);
}
