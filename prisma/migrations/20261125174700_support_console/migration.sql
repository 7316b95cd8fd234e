-- AlterTable
ALTER TABLE "organization" ADD COLUMN     "environmentCount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "lastActivityAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
ADD COLUMN     "worstStatusRank" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "audit_event" ADD COLUMN     "sequence" BIGSERIAL NOT NULL;

-- CreateTable
CREATE TABLE "support_note" (
    "id" UUID NOT NULL,
    "organizationId" TEXT NOT NULL,
    "environmentId" UUID,
    "authorId" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "support_note_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "support_note_organizationId_createdAt_idx" ON "support_note"("organizationId", "createdAt");

-- CreateIndex
CREATE INDEX "support_note_environmentId_createdAt_idx" ON "support_note"("environmentId", "createdAt");

-- CreateIndex
CREATE INDEX "organization_name_id_idx" ON "organization"("name", "id");

-- CreateIndex
CREATE INDEX "organization_lastActivityAt_id_idx" ON "organization"("lastActivityAt", "id");

-- CreateIndex
CREATE INDEX "organization_environmentCount_id_idx" ON "organization"("environmentCount", "id");

-- CreateIndex
CREATE INDEX "organization_worstStatusRank_id_idx" ON "organization"("worstStatusRank", "id");

-- CreateIndex
CREATE INDEX "environment_organizationId_status_encryptionMode_region_idx" ON "environment"("organizationId", "status", "encryptionMode", "region");

-- CreateIndex
CREATE INDEX "environment_s3KeyArn_idx" ON "environment"("s3KeyArn");

-- CreateIndex
CREATE INDEX "environment_rdsKeyArn_idx" ON "environment"("rdsKeyArn");

-- CreateIndex
CREATE UNIQUE INDEX "audit_event_sequence_key" ON "audit_event"("sequence");

-- AddForeignKey
ALTER TABLE "support_note" ADD CONSTRAINT "support_note_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "support_note" ADD CONSTRAINT "support_note_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "environment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "support_note" ADD CONSTRAINT "support_note_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "user"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
-- Substring search for the support console (organization, environment and tenant names).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX "organization_name_trgm_idx" ON "organization" USING gin ("name" gin_trgm_ops);
CREATE INDEX "environment_name_trgm_idx" ON "environment" USING gin ("name" gin_trgm_ops);
CREATE INDEX "environment_tenantName_trgm_idx" ON "environment" USING gin ("tenantName" gin_trgm_ops);

-- Per-organization summary for the tenants list, kept here so that sorting and filtering
-- 10,000 tenants never aggregates 100,000 environments per request.
CREATE FUNCTION organization_refresh_summary(org text) RETURNS void AS $$
  UPDATE "organization" o
     SET "environmentCount" = s.environment_count,
         "worstStatusRank" = s.worst_status_rank
    FROM (
      SELECT count(*)::int AS environment_count,
             coalesce(max(CASE "status" WHEN 'FAILED' THEN 3 WHEN 'PROVISIONING' THEN 2 WHEN 'READY' THEN 1 ELSE 0 END), 0)::int AS worst_status_rank
        FROM "environment" WHERE "organizationId" = org
    ) s
   WHERE o."id" = org;
$$ LANGUAGE sql;

CREATE FUNCTION environment_summary_trigger() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM organization_refresh_summary(NEW."organizationId");
  END IF;
  IF TG_OP IN ('DELETE', 'UPDATE') AND (TG_OP = 'DELETE' OR OLD."organizationId" IS DISTINCT FROM NEW."organizationId") THEN
    PERFORM organization_refresh_summary(OLD."organizationId");
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER environment_summary
  AFTER INSERT OR DELETE OR UPDATE OF "status", "organizationId" ON "environment"
  FOR EACH ROW EXECUTE FUNCTION environment_summary_trigger();

-- Every change is audited, so the newest audit event is the tenant's last activity.
CREATE FUNCTION audit_event_activity_trigger() RETURNS trigger AS $$
BEGIN
  UPDATE "organization"
     SET "lastActivityAt" = NEW."createdAt"
   WHERE "id" = NEW."organizationId"
     AND "lastActivityAt" < NEW."createdAt";
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_event_activity
  AFTER INSERT ON "audit_event"
  FOR EACH ROW EXECUTE FUNCTION audit_event_activity_trigger();

-- Existing data.
SELECT organization_refresh_summary("id") FROM "organization";
UPDATE "organization" o
   SET "lastActivityAt" = greatest(o."createdAt", coalesce(a.last_at, o."createdAt"))
  FROM "organization" o2
  LEFT JOIN (SELECT "organizationId", max("createdAt") AS last_at FROM "audit_event" GROUP BY "organizationId") a
    ON a."organizationId" = o2."id"
 WHERE o2."id" = o."id";
