-- CreateEnum
CREATE TYPE "KeyAccess" AS ENUM ('KEY_POLICY', 'ROLE');

-- AlterTable
ALTER TABLE "organization" ADD COLUMN     "externalId" TEXT;

-- AlterTable
ALTER TABLE "environment" ADD COLUMN     "keyAccess" "KeyAccess" NOT NULL DEFAULT 'KEY_POLICY',
ADD COLUMN     "logGroupArn" TEXT,
ADD COLUMN     "logRoleArn" TEXT,
ADD COLUMN     "roleArn" TEXT,
ADD COLUMN     "wrappedDataKey" BYTEA;

-- CreateTable
CREATE TABLE "key_use_event" (
    "id" BIGSERIAL NOT NULL,
    "environmentId" UUID NOT NULL,
    "organizationId" TEXT NOT NULL,
    "occurredAt" TIMESTAMP(3) NOT NULL,
    "action" TEXT NOT NULL,
    "keyArn" TEXT NOT NULL,
    "encryptionContext" JSONB NOT NULL DEFAULT '{}',
    "requestId" TEXT,
    "outcome" TEXT NOT NULL,
    "deliveredAt" TIMESTAMP(3),

    CONSTRAINT "key_use_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "log_forwarding" (
    "environmentId" UUID NOT NULL,
    "lastDeliveredAt" TIMESTAMP(3),
    "lastDeliveredCount" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "lastErrorAt" TIMESTAMP(3),
    "failures" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "log_forwarding_pkey" PRIMARY KEY ("environmentId")
);

-- CreateIndex
CREATE INDEX "key_use_event_environmentId_deliveredAt_id_idx" ON "key_use_event"("environmentId", "deliveredAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "organization_externalId_key" ON "organization"("externalId");

-- AddForeignKey
ALTER TABLE "key_use_event" ADD CONSTRAINT "key_use_event_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "environment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "log_forwarding" ADD CONSTRAINT "log_forwarding_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "environment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- An organization's External ID is issued once and never changed or removed: customer roles
-- trust it, so a new value would silently lock the platform out of every role-mode environment.
CREATE FUNCTION organization_external_id_fixed() RETURNS trigger AS $$
BEGIN
  IF OLD."externalId" IS NOT NULL AND NEW."externalId" IS DISTINCT FROM OLD."externalId" THEN
    RAISE EXCEPTION 'the External ID of organization % is fixed once issued', OLD."id" USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER organization_external_id_fixed
  BEFORE UPDATE ON "organization"
  FOR EACH ROW EXECUTE FUNCTION organization_external_id_fixed();

-- Role mode joins the encryption settings that stay fixed once a draft is submitted: how the
-- platform reaches the keys, and the role. A failed customer-managed environment may still
-- get other keys (and, in role mode, another role). The wrapped data key is written once.
CREATE OR REPLACE FUNCTION environment_encryption_immutable() RETURNS trigger AS $$
BEGIN
  IF OLD."status" <> 'DRAFT' AND (
       NEW."encryptionMode" IS DISTINCT FROM OLD."encryptionMode"
    OR NEW."keyAccess" IS DISTINCT FROM OLD."keyAccess"
    OR NEW."region" IS DISTINCT FROM OLD."region"
    OR NEW."organizationId" IS DISTINCT FROM OLD."organizationId"
    OR ((NEW."s3KeyArn" IS DISTINCT FROM OLD."s3KeyArn" OR NEW."rdsKeyArn" IS DISTINCT FROM OLD."rdsKeyArn" OR NEW."roleArn" IS DISTINCT FROM OLD."roleArn")
        AND NOT (OLD."status" = 'FAILED' AND NEW."status" = 'FAILED' AND OLD."encryptionMode" = 'CUSTOMER_MANAGED'
                 AND NEW."s3KeyArn" IS NOT NULL
                 AND (NEW."rdsKeyArn" IS NOT NULL OR (NEW."keyAccess" = 'ROLE' AND NEW."roleArn" IS NOT NULL))))
  ) THEN
    RAISE EXCEPTION 'encryption settings of environment % are immutable once submitted', OLD."id"
      USING ERRCODE = 'check_violation';
  END IF;
  IF OLD."wrappedDataKey" IS NOT NULL AND NEW."wrappedDataKey" IS DISTINCT FROM OLD."wrappedDataKey"
     AND NOT (OLD."status" = 'FAILED' AND NEW."wrappedDataKey" IS NULL) THEN
    RAISE EXCEPTION 'the data key of environment % is fixed once made', OLD."id" USING ERRCODE = 'check_violation';
  END IF;
  IF OLD."tenantName" IS NOT NULL AND NEW."tenantName" IS DISTINCT FROM OLD."tenantName" THEN
    RAISE EXCEPTION 'tenant name of environment % is immutable once assigned', OLD."id"
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."status" = 'DRAFT' AND OLD."status" <> 'DRAFT' THEN
    RAISE EXCEPTION 'environment % cannot go back to draft', OLD."id" USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
