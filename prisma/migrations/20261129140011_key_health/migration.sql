-- CreateEnum
CREATE TYPE "KeyHealthState" AS ENUM ('UNKNOWN', 'HEALTHY', 'KEY_DISABLED', 'PENDING_DELETION', 'ACCESS_DENIED', 'KEY_NOT_FOUND', 'AWS_UNREACHABLE');

-- AlterTable
ALTER TABLE "organization" ADD COLUMN     "worstKeyHealthRank" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "key_health" (
    "environmentId" UUID NOT NULL,
    "organizationId" TEXT NOT NULL,
    "state" "KeyHealthState" NOT NULL DEFAULT 'UNKNOWN',
    "stateSince" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "rotationOff" BOOLEAN NOT NULL DEFAULT false,
    "findings" JSONB NOT NULL DEFAULT '{}',
    "checkedAt" TIMESTAMP(3),
    "nextCheckAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "unreachableCount" INTEGER NOT NULL DEFAULT 0,
    "manualCheckAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "key_health_pkey" PRIMARY KEY ("environmentId")
);

-- CreateTable
CREATE TABLE "key_health_transition" (
    "id" UUID NOT NULL,
    "environmentId" UUID NOT NULL,
    "organizationId" TEXT NOT NULL,
    "fromState" "KeyHealthState" NOT NULL,
    "toState" "KeyHealthState" NOT NULL,
    "cause" TEXT NOT NULL,
    "awsError" JSONB,
    "findings" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "key_health_transition_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notification" (
    "id" UUID NOT NULL,
    "organizationId" TEXT NOT NULL,
    "environmentId" UUID,
    "kind" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "details" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "readAt" TIMESTAMP(3),

    CONSTRAINT "notification_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_endpoint" (
    "organizationId" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "secret" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "webhook_endpoint_pkey" PRIMARY KEY ("organizationId")
);

-- CreateTable
CREATE TABLE "webhook_delivery" (
    "id" UUID NOT NULL,
    "organizationId" TEXT NOT NULL,
    "notificationId" UUID,
    "event" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastStatusCode" INTEGER,
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastAttemptAt" TIMESTAMP(3),
    "deliveredAt" TIMESTAMP(3),

    CONSTRAINT "webhook_delivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "key_health_nextCheckAt_idx" ON "key_health"("nextCheckAt");

-- CreateIndex
CREATE INDEX "key_health_organizationId_state_idx" ON "key_health"("organizationId", "state");

-- CreateIndex
CREATE INDEX "key_health_state_organizationId_idx" ON "key_health"("state", "organizationId");

-- CreateIndex
CREATE INDEX "key_health_transition_environmentId_createdAt_idx" ON "key_health_transition"("environmentId", "createdAt");

-- CreateIndex
CREATE INDEX "notification_organizationId_createdAt_idx" ON "notification"("organizationId", "createdAt");

-- CreateIndex
CREATE INDEX "notification_organizationId_readAt_idx" ON "notification"("organizationId", "readAt");

-- CreateIndex
CREATE INDEX "webhook_delivery_organizationId_createdAt_idx" ON "webhook_delivery"("organizationId", "createdAt");

-- CreateIndex
CREATE INDEX "organization_worstKeyHealthRank_id_idx" ON "organization"("worstKeyHealthRank", "id");

-- AddForeignKey
ALTER TABLE "key_health" ADD CONSTRAINT "key_health_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "environment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "key_health" ADD CONSTRAINT "key_health_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "key_health_transition" ADD CONSTRAINT "key_health_transition_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "environment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "key_health_transition" ADD CONSTRAINT "key_health_transition_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "notification" ADD CONSTRAINT "notification_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "notification" ADD CONSTRAINT "notification_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "environment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_endpoint" ADD CONSTRAINT "webhook_endpoint_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_delivery" ADD CONSTRAINT "webhook_delivery_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- The worst key-health state of each organization's environments, for the support console's
-- tenants list (sorting and the Key health filter never aggregate key_health per request).
-- The ranks match KEY_HEALTH_RANK in lib/key-health/states.ts.
CREATE FUNCTION key_health_rank(state "KeyHealthState") RETURNS int AS $$
  SELECT CASE state
    WHEN 'HEALTHY' THEN 1
    WHEN 'AWS_UNREACHABLE' THEN 2
    WHEN 'PENDING_DELETION' THEN 3
    WHEN 'KEY_DISABLED' THEN 4
    WHEN 'ACCESS_DENIED' THEN 5
    WHEN 'KEY_NOT_FOUND' THEN 6
    ELSE 0 END;
$$ LANGUAGE sql IMMUTABLE;

CREATE FUNCTION organization_refresh_key_health(org text) RETURNS void AS $$
  UPDATE "organization" o
     SET "worstKeyHealthRank" = coalesce((SELECT max(key_health_rank(k."state")) FROM "key_health" k WHERE k."organizationId" = org), 0)
   WHERE o."id" = org;
$$ LANGUAGE sql;

CREATE FUNCTION key_health_summary_trigger() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM organization_refresh_key_health(OLD."organizationId");
    RETURN OLD;
  END IF;
  IF TG_OP = 'INSERT' OR OLD."state" IS DISTINCT FROM NEW."state" THEN
    PERFORM organization_refresh_key_health(NEW."organizationId");
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER key_health_summary
  AFTER INSERT OR UPDATE OF "state" OR DELETE ON "key_health"
  FOR EACH ROW EXECUTE FUNCTION key_health_summary_trigger();
