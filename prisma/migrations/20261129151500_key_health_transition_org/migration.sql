-- CreateIndex
CREATE INDEX "key_health_transition_organizationId_createdAt_idx" ON "key_health_transition"("organizationId", "createdAt");
