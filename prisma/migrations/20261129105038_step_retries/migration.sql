-- AlterTable
ALTER TABLE "provisioning_step" ADD COLUMN     "lastRetry" JSONB,
ADD COLUMN     "retryAt" TIMESTAMP(3),
ADD COLUMN     "retryCount" INTEGER NOT NULL DEFAULT 0;
