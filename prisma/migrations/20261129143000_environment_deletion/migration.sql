-- AlterTable
ALTER TABLE "environment" ADD COLUMN     "cleanupError" TEXT,
ADD COLUMN     "cleanupStartedAt" TIMESTAMP(3),
ADD COLUMN     "cleanupStatus" TEXT,
ADD COLUMN     "deletedAt" TIMESTAMP(3),
ADD COLUMN     "deletedById" TEXT;

-- CreateIndex
CREATE INDEX "environment_cleanupStatus_idx" ON "environment"("cleanupStatus");

-- Deleted environments no longer count in the support console's tenant summary.
CREATE OR REPLACE FUNCTION organization_refresh_summary(org text) RETURNS void AS $$
  UPDATE "organization" o
     SET "environmentCount" = s.environment_count,
         "worstStatusRank" = s.worst_status_rank
    FROM (
      SELECT count(*)::int AS environment_count,
             coalesce(max(CASE "status" WHEN 'FAILED' THEN 3 WHEN 'PROVISIONING' THEN 2 WHEN 'READY' THEN 1 ELSE 0 END), 0)::int AS worst_status_rank
        FROM "environment" WHERE "organizationId" = org AND "deletedAt" IS NULL
    ) s
   WHERE o."id" = org;
$$ LANGUAGE sql;

DROP TRIGGER environment_summary ON "environment";
CREATE TRIGGER environment_summary
  AFTER INSERT OR DELETE OR UPDATE OF "status", "organizationId", "deletedAt" ON "environment"
  FOR EACH ROW EXECUTE FUNCTION environment_summary_trigger();

-- A deleted environment stays deleted, and only drafts and failed environments are deleted.
CREATE FUNCTION environment_deletion_rules() RETURNS trigger AS $$
BEGIN
  IF OLD."deletedAt" IS NOT NULL AND (NEW."deletedAt" IS DISTINCT FROM OLD."deletedAt" OR NEW."status" IS DISTINCT FROM OLD."status") THEN
    RAISE EXCEPTION 'environment % is deleted', OLD."id" USING ERRCODE = 'check_violation';
  END IF;
  IF OLD."deletedAt" IS NULL AND NEW."deletedAt" IS NOT NULL AND OLD."status" NOT IN ('DRAFT', 'FAILED') THEN
    RAISE EXCEPTION 'environment % is % and cannot be deleted', OLD."id", OLD."status" USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER environment_deletion_rules
  BEFORE UPDATE ON "environment"
  FOR EACH ROW EXECUTE FUNCTION environment_deletion_rules();
