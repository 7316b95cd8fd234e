/**
 * Change key ARNs on a failed environment, against real PostgreSQL and the AWS sandbox: the
 * new keys are checked as in the wizard, the change is audited, and the retry provisions with
 * the new key; an Aurora cluster made with the old RDS key blocks an RDS key change.
 */
import { describe, expect, test } from "vitest";
import { STATEMENT_IDS } from "@/lib/byok/policies";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { bucketName } from "@/lib/provisioning/names";
import {
  auditOf,
  byokDraft,
  createCustomerKey,
  customerCaller,
  harnessForFile,
  provisioningWorkerForFile,
  refusal,
  withoutStatements,
  policyFor,
  sandboxState,
  seedOrganization,
  settledStatus,
  submit,
} from "@/lib/provisioning/__testing__/harness";
import { changeKeyArns, CLUSTER_EXISTS_MESSAGE, NOT_FAILED_MESSAGE, UNCHANGED_MESSAGE } from "./change-key-arns";

const REGION = "eu-west-1";
const harness = harnessForFile();
provisioningWorkerForFile();



describe("changeKeyArns", () => {
  test("a failed environment gets a new S3 key, audited; the retry re-encrypts its buckets with it and reaches Ready", async () => {
    const draft = await byokDraft("changes3", REGION, { s3: withoutStatements(STATEMENT_IDS.s3Use) });
    await submit(draft.environmentId, draft.userId);
    expect(await settledStatus(draft.environmentId)).toBe("FAILED");

    const caller = await customerCaller(draft.userId);
    const newS3KeyArn = await createCustomerKey(REGION, policyFor("s3", draft.environmentId, REGION));
    const changed = await changeKeyArns(caller, { environmentId: draft.environmentId, s3KeyArn: newS3KeyArn, rdsKeyArn: draft.rdsKeyArn });
    expect(changed.changed).toEqual(["s3KeyArn"]);
    const stored = await db().environment.findUniqueOrThrow({ where: { id: draft.environmentId } });
    expect([stored.s3KeyArn, stored.rdsKeyArn, stored.status]).toEqual([newS3KeyArn, draft.rdsKeyArn, "FAILED"]);
    const [audited] = await auditOf(draft.environmentId, "environment.key_arns_changed");
    expect(audited?.details).toMatchObject({ from: { s3KeyArn: draft.s3KeyArn }, to: { s3KeyArn: newS3KeyArn }, changed: ["s3KeyArn"] });
    expect(audited?.actorUserId).toBe(draft.userId);

    await submit(draft.environmentId, draft.userId, "retry");
    expect(await settledStatus(draft.environmentId)).toBe("READY");
    const bucket = (await sandboxState(harness().sandboxUrl)).buckets[bucketName(env().resourcePrefix, draft.environmentId, "data")];
    expect(bucket?.encryption).toMatchObject({ kmsMasterKeyId: newS3KeyArn });
  });

  test("the new ARNs are checked as in the wizard: a malformed ARN and a key without this environment's statements are refused and audited, nothing changes", async () => {
    const draft = await byokDraft("changecheck", REGION, { s3: withoutStatements(STATEMENT_IDS.s3Use) });
    await submit(draft.environmentId, draft.userId);
    expect(await settledStatus(draft.environmentId)).toBe("FAILED");
    const caller = await customerCaller(draft.userId);

    const malformed = await changeKeyArns(caller, { environmentId: draft.environmentId, s3KeyArn: "alias/data", rdsKeyArn: draft.rdsKeyArn }).catch((error: unknown) => error);
    expect(malformed).toBeDefined();
    // A key made for another environment: its statements name that environment, so the platform's session for this one cannot even describe it.
    const foreign = await createCustomerKey(REGION, policyFor("s3", "3f0a4b7e-0000-4000-8000-000000000000", REGION));
    const live = await refusal(changeKeyArns(caller, { environmentId: draft.environmentId, s3KeyArn: foreign, rdsKeyArn: draft.rdsKeyArn }));
    expect(live.code).toBe("VALIDATION");
    expect(live.fieldErrors?.s3KeyArn?.[0]).toMatch(/.+/);

    const stored = await db().environment.findUniqueOrThrow({ where: { id: draft.environmentId } });
    expect(stored.s3KeyArn).toBe(draft.s3KeyArn);
    expect((await auditOf(draft.environmentId, "environment.key_arns_change_rejected")).map((e) => (e.details as { stage: string }).stage)).toEqual(["format", "live"]);
    expect(await auditOf(draft.environmentId, "environment.key_arns_changed")).toEqual([]);

    const unchanged = await refusal(changeKeyArns(caller, { environmentId: draft.environmentId, s3KeyArn: draft.s3KeyArn, rdsKeyArn: draft.rdsKeyArn }));
    expect(unchanged.message).toBe(UNCHANGED_MESSAGE);
  });

  test("an RDS key cannot change once the cluster exists; a Ready environment and another organization's environment cannot change at all", async () => {
    const draft = await byokDraft("changerds", REGION);
    await submit(draft.environmentId, draft.userId);
    expect(await settledStatus(draft.environmentId)).toBe("READY");
    const caller = await customerCaller(draft.userId);
    const newRdsKeyArn = await createCustomerKey(REGION, policyFor("rds", draft.environmentId, REGION));

    const ready = await refusal(changeKeyArns(caller, { environmentId: draft.environmentId, s3KeyArn: draft.s3KeyArn, rdsKeyArn: newRdsKeyArn }));
    expect([ready.code, ready.message]).toEqual(["CONFLICT", NOT_FAILED_MESSAGE]);
    // The database refuses it too, whatever the code path: keys change only while FAILED.
    await expect(db().environment.update({ where: { id: draft.environmentId }, data: { rdsKeyArn: newRdsKeyArn } })).rejects.toThrow(/immutable once submitted/);

    // The same environment as if a later step had failed after the cluster was made.
    await db().environment.update({ where: { id: draft.environmentId }, data: { status: "FAILED" } });
    const cluster = await refusal(changeKeyArns(caller, { environmentId: draft.environmentId, s3KeyArn: draft.s3KeyArn, rdsKeyArn: newRdsKeyArn }));
    expect([cluster.code, cluster.message]).toEqual(["CONFLICT", CLUSTER_EXISTS_MESSAGE]);
    expect((await db().environment.findUniqueOrThrow({ where: { id: draft.environmentId } })).rdsKeyArn).toBe(draft.rdsKeyArn);

    const stranger = await customerCaller((await seedOrganization("changeother")).userId);
    const notFound = await refusal(changeKeyArns(stranger, { environmentId: draft.environmentId, s3KeyArn: draft.s3KeyArn, rdsKeyArn: newRdsKeyArn }));
    expect(notFound.code).toBe("NOT_FOUND");
  });
});
