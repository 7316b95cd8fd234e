-- Support console: search by a bare key id (the part of a key ARN after "key/"), as customers
-- often quote it. The expressions match lib/support/tenants.ts searchCondition.
CREATE INDEX "environment_s3KeyId_idx" ON "environment" ((substring("s3KeyArn" from '[^/]+$')));
CREATE INDEX "environment_rdsKeyId_idx" ON "environment" ((substring("rdsKeyArn" from '[^/]+$')));
