/**
 * The support console's scale data: organizations (ids `scale-org-<n>`, one owner each) and
 * environments with a realistic spread (a few large tenants, many small ones; mostly ready,
 * some failed or in flight; a third on customer-managed keys). Loading replaces the
 * previous scale data and leaves every other row alone.
 */
import pg from "pg";
import { parseIntoClientConfig } from "pg-connection-string";

export interface ScaleSize {
  organizations: number;
  environments: number;
}

export const FULL_SCALE: ScaleSize = { organizations: 10_000, environments: 100_000 };

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
      await client.query(`DELETE FROM "audit_event" WHERE "organizationId" LIKE 'scale-%'`);
      await client.query(`DELETE FROM "provisioning_step" WHERE "environmentId" IN (SELECT "id" FROM "environment" WHERE "organizationId" LIKE 'scale-%')`);
      await client.query(`DELETE FROM "provisioning_attempt" WHERE "environmentId" IN (SELECT "id" FROM "environment" WHERE "organizationId" LIKE 'scale-%')`);
      await client.query(`DELETE FROM "environment" WHERE "organizationId" LIKE 'scale-%'`);
      await client.query(`DELETE FROM "member" WHERE "organizationId" LIKE 'scale-%'`);
      await client.query(`DELETE FROM "organization" WHERE "id" LIKE 'scale-%'`);
      await client.query(`DELETE FROM "user" WHERE "id" LIKE 'scale-%'`);
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
      // The same summary function the environment trigger calls, once per organization.
      await client.query(`SELECT organization_refresh_summary("id") FROM "organization" WHERE "id" LIKE 'scale-%'`);
      await client.query(`
        UPDATE "organization" o
           SET "lastActivityAt" = greatest(o."createdAt", s.last_at)
          FROM (SELECT "organizationId", max("updatedAt") AS last_at
                  FROM "environment" WHERE "organizationId" LIKE 'scale-%' GROUP BY "organizationId") s
         WHERE s."organizationId" = o."id"`);
      await client.query(`UPDATE "organization" SET "lastActivityAt" = "createdAt" WHERE "id" LIKE 'scale-%' AND "environmentCount" = 0`);
      await client.query(`ALTER TABLE "environment" ENABLE TRIGGER USER`);
      await client.query(`ALTER TABLE "audit_event" ENABLE TRIGGER USER`);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    }
    await client.query(`ANALYZE "organization"`);
    await client.query(`ANALYZE "environment"`);
    const { rows } = await client.query<ScaleSize>(
      `SELECT (SELECT count(*)::int FROM "organization") AS organizations, (SELECT count(*)::int FROM "environment") AS environments`,
    );
    return rows[0] ?? { organizations: 0, environments: 0 };
  } finally {
    await client.end();
  }
}
