-- CreateEnum
CREATE TYPE "ProvisioningAttemptStatus" AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED');

-- CreateEnum
CREATE TYPE "ProvisioningStepStatus" AS ENUM ('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'SKIPPED');

-- AlterTable
ALTER TABLE "environment" ADD COLUMN     "wizardStep" TEXT NOT NULL DEFAULT 'basics';

-- CreateTable
CREATE TABLE "provisioning_attempt" (
    "id" UUID NOT NULL,
    "environmentId" UUID NOT NULL,
    "number" INTEGER NOT NULL,
    "status" "ProvisioningAttemptStatus" NOT NULL DEFAULT 'QUEUED',
    "trigger" TEXT NOT NULL,
    "requestedById" TEXT,
    "jobId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "provisioning_attempt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "provisioning_step" (
    "id" UUID NOT NULL,
    "attemptId" UUID NOT NULL,
    "environmentId" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "status" "ProvisioningStepStatus" NOT NULL DEFAULT 'PENDING',
    "tries" INTEGER NOT NULL DEFAULT 0,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "awsRequestId" TEXT,
    "awsService" TEXT,
    "errorCode" TEXT,
    "errorMessage" TEXT,
    "output" JSONB NOT NULL DEFAULT '{}',
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "provisioning_step_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "provisioning_attempt_environmentId_number_key" ON "provisioning_attempt"("environmentId", "number");

-- CreateIndex
CREATE INDEX "provisioning_step_environmentId_idx" ON "provisioning_step"("environmentId");

-- CreateIndex
CREATE UNIQUE INDEX "provisioning_step_attemptId_key_key" ON "provisioning_step"("attemptId", "key");

-- AddForeignKey
ALTER TABLE "provisioning_attempt" ADD CONSTRAINT "provisioning_attempt_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "environment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "provisioning_attempt" ADD CONSTRAINT "provisioning_attempt_requestedById_fkey" FOREIGN KEY ("requestedById") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "provisioning_step" ADD CONSTRAINT "provisioning_step_attemptId_fkey" FOREIGN KEY ("attemptId") REFERENCES "provisioning_attempt"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "provisioning_step" ADD CONSTRAINT "provisioning_step_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "environment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Encryption settings are fixed once a draft is submitted: enforced here as well as in
-- the service, so no code path (or manual UPDATE) can change them afterwards.
CREATE FUNCTION environment_encryption_immutable() RETURNS trigger AS $$
BEGIN
  IF OLD."status" <> 'DRAFT' AND (
       NEW."encryptionMode" IS DISTINCT FROM OLD."encryptionMode"
    OR NEW."s3KeyArn" IS DISTINCT FROM OLD."s3KeyArn"
    OR NEW."rdsKeyArn" IS DISTINCT FROM OLD."rdsKeyArn"
    OR NEW."region" IS DISTINCT FROM OLD."region"
    OR NEW."organizationId" IS DISTINCT FROM OLD."organizationId"
  ) THEN
    RAISE EXCEPTION 'encryption settings of environment % are immutable once submitted', OLD."id"
      USING ERRCODE = 'check_violation';
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

CREATE TRIGGER environment_encryption_immutable
  BEFORE UPDATE ON "environment"
  FOR EACH ROW EXECUTE FUNCTION environment_encryption_immutable();

-- The audit log is append-only.
CREATE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_event is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_event_append_only
  BEFORE UPDATE OR DELETE ON "audit_event"
  FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
