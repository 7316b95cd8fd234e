/**
 * `npm run seed:scale`: 10,000 organizations and 100,000 environments with a realistic
 * spread (a few large tenants, many small ones; mostly ready, some failed or in flight; a
 * third on customer-managed keys), for the support console's benchmark. Re-running
 * replaces the previous scale data. Refuses a configured DATABASE_URL unless SEED_SCALE=1.
 */
import { applyMigrations } from "../prisma/migrate";
import { createPrismaClient } from "../lib/db";
import { openDatabase } from "./lib/database";

const ORGANIZATIONS = Number(process.env.SCALE_ORGANIZATIONS ?? 10_000);
const ENVIRONMENTS = Number(process.env.SCALE_ENVIRONMENTS ?? 100_000);

const database = await openDatabase();
if (!database.embedded && process.env.SEED_SCALE !== "1") {
  console.error("Refusing to load scale data into a configured DATABASE_URL; set SEED_SCALE=1 to do it on purpose.");
  process.exit(1);
}
const prisma = createPrismaClient(database.url);
const started = performance.now();
try {
  await applyMigrations(database.url);
  await prisma.$transaction(
    async (tx) => {
      // Bulk load without per-row triggers (summaries are computed once below; the audit
      // table's append-only trigger does not fire either, which lets old scale data go).
      await tx.$executeRawUnsafe(`SET LOCAL session_replication_role = replica`);
      await tx.$executeRawUnsafe(`DELETE FROM "audit_event" WHERE "organizationId" LIKE 'scale-%'`);
      await tx.$executeRawUnsafe(`DELETE FROM "provisioning_step" WHERE "environmentId" IN (SELECT "id" FROM "environment" WHERE "organizationId" LIKE 'scale-%')`);
      await tx.$executeRawUnsafe(`DELETE FROM "provisioning_attempt" WHERE "environmentId" IN (SELECT "id" FROM "environment" WHERE "organizationId" LIKE 'scale-%')`);
      await tx.$executeRawUnsafe(`DELETE FROM "environment" WHERE "organizationId" LIKE 'scale-%'`);
      await tx.$executeRawUnsafe(`DELETE FROM "member" WHERE "organizationId" LIKE 'scale-%'`);
      await tx.$executeRawUnsafe(`DELETE FROM "organization" WHERE "id" LIKE 'scale-%'`);
      await tx.$executeRawUnsafe(`DELETE FROM "user" WHERE "id" LIKE 'scale-%'`);
      await tx.$executeRawUnsafe(`
        INSERT INTO "organization" ("id", "name", "slug", "createdAt", "lastActivityAt")
        SELECT 'scale-org-' || g,
               (ARRAY['Northwind','Contoso','Initech','Umbrella','Hooli','Vandelay','Stark','Wayne','Tyrell','Cyberdyne','Soylent','Gringotts','Oscorp','Wonka','Duff'])[1 + g % 15]
                 || ' ' || (ARRAY['Labs','Industries','Holdings','Analytics','Health','Logistics','Retail','Energy','Bank','Media'])[1 + (g / 15) % 10]
                 || ' ' || g,
               'scale-' || g,
               now() - (random() * 900 || ' days')::interval,
               now()
          FROM generate_series(1, $1::int) AS g`, ORGANIZATIONS);
      await tx.$executeRawUnsafe(`
        INSERT INTO "user" ("id", "name", "email", "emailVerified", "role", "createdAt", "updatedAt")
        SELECT 'scale-user-' || g, 'Admin ' || g, 'admin-' || g || '@scale.example', true, 'customer', now(), now()
          FROM generate_series(1, $1::int) AS g`, ORGANIZATIONS);
      await tx.$executeRawUnsafe(`
        INSERT INTO "member" ("id", "organizationId", "userId", "role", "createdAt")
        SELECT 'scale-member-' || g, 'scale-org-' || g, 'scale-user-' || g, 'owner', now()
          FROM generate_series(1, $1::int) AS g`, ORGANIZATIONS);
      // Organization index skewed towards the small numbers: a few tenants own many environments.
      await tx.$executeRawUnsafe(`
        INSERT INTO "environment" ("id", "organizationId", "name", "region", "encryptionMode", "s3KeyArn", "rdsKeyArn",
                                   "status", "tenantName", "createdById", "createdAt", "updatedAt", "wizardStep")
        SELECT gen_random_uuid(), 'scale-org-' || org, env_name, region, mode,
               CASE WHEN mode = 'CUSTOMER_MANAGED' THEN 'arn:aws:kms:' || region || ':' || lpad((100000000000 + org)::text, 12, '0') || ':key/' || gen_random_uuid() END,
               CASE WHEN mode = 'CUSTOMER_MANAGED' THEN 'arn:aws:kms:' || region || ':' || lpad((100000000000 + org)::text, 12, '0') || ':key/' || gen_random_uuid() END,
               status,
               CASE WHEN status = 'READY' THEN 'scale-' || org || '-' || substr(md5(random()::text), 1, 8) END,
               'scale-user-' || org, created, created + (random() * 30 || ' days')::interval, 'review'
          FROM (
            SELECT g,
                   1 + floor(power(random(), 2.2) * $1::int)::int AS org,
                   (ARRAY['Production','Staging','Analytics','Sandbox','DR','Reporting'])[1 + g % 6] || ' ' || g AS env_name,
                   (ARRAY['eu-west-1','eu-central-1','us-east-1','us-west-2','ap-southeast-2'])[1 + floor(random() * 5)::int] AS region,
                   (CASE WHEN random() < 0.35 THEN 'CUSTOMER_MANAGED' ELSE 'VENDOR_MANAGED' END)::"EncryptionMode" AS mode,
                   (CASE WHEN r < 0.80 THEN 'READY' WHEN r < 0.87 THEN 'PROVISIONING' WHEN r < 0.94 THEN 'FAILED' ELSE 'DRAFT' END)::"EnvironmentStatus" AS status,
                   now() - (random() * 700 || ' days')::interval AS created
              FROM (SELECT g, random() AS r FROM generate_series(1, $2::int) AS g) numbered
          ) spread`, ORGANIZATIONS, ENVIRONMENTS);
      // The same summary function the environment trigger calls, once per organization.
      await tx.$executeRawUnsafe(`SELECT organization_refresh_summary("id") FROM "organization" WHERE "id" LIKE 'scale-%'`);
      await tx.$executeRawUnsafe(`
        UPDATE "organization" o
           SET "lastActivityAt" = greatest(o."createdAt", s.last_at)
          FROM (SELECT "organizationId", max("updatedAt") AS last_at
                  FROM "environment" WHERE "organizationId" LIKE 'scale-%' GROUP BY "organizationId") s
         WHERE s."organizationId" = o."id"`);
      await tx.$executeRawUnsafe(`UPDATE "organization" SET "lastActivityAt" = "createdAt" WHERE "id" LIKE 'scale-%' AND "environmentCount" = 0`);
    },
    { timeout: 600_000 },
  );
  await prisma.$executeRawUnsafe(`ANALYZE "organization"`);
  await prisma.$executeRawUnsafe(`ANALYZE "environment"`);
  const [counts] = await prisma.$queryRawUnsafe<{ organizations: number; environments: number }[]>(
    `SELECT (SELECT count(*)::int FROM "organization") AS organizations, (SELECT count(*)::int FROM "environment") AS environments`,
  );
  console.log(
    `Loaded ${ORGANIZATIONS} organizations and ${ENVIRONMENTS} environments in ${((performance.now() - started) / 1000).toFixed(1)} s ` +
      `(database now holds ${counts?.organizations} organizations, ${counts?.environments} environments).`,
  );
} finally {
  await prisma.$disconnect();
  await database.stop();
}
