-- Change key ARNs (lib/environments/change-key-arns.ts): a customer-managed environment whose
-- provisioning failed may get other key ARNs, and only then (the change keeps it FAILED; the
-- customer retries afterwards). The encryption mode, the Region and the organization stay fixed
-- once a draft is submitted, and no key changes while an environment provisions or is ready.
CREATE OR REPLACE FUNCTION environment_encryption_immutable() RETURNS trigger AS $$
BEGIN
  IF OLD."status" <> 'DRAFT' AND (
       NEW."encryptionMode" IS DISTINCT FROM OLD."encryptionMode"
    OR NEW."region" IS DISTINCT FROM OLD."region"
    OR NEW."organizationId" IS DISTINCT FROM OLD."organizationId"
    OR ((NEW."s3KeyArn" IS DISTINCT FROM OLD."s3KeyArn" OR NEW."rdsKeyArn" IS DISTINCT FROM OLD."rdsKeyArn")
        AND NOT (OLD."status" = 'FAILED' AND NEW."status" = 'FAILED' AND OLD."encryptionMode" = 'CUSTOMER_MANAGED'
                 AND NEW."s3KeyArn" IS NOT NULL AND NEW."rdsKeyArn" IS NOT NULL))
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
