/**
 * Deleting a draft or a failed environment, against real PostgreSQL and the AWS sandbox: it
 * leaves the customer's reach at once, its audit trail stays, and what provisioning made is
 * removed by the worker, once, even when the cleanup is run again.
 */
import { describe, expect, test } from "vitest";
import { STATEMENT_IDS } from "@/lib/byok/policies";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { cleanupDeletedEnvironment } from "@/lib/provisioning/cleanup";
import { bucketName, clusterIdentifier } from "@/lib/provisioning/names";
import {
  auditOf,
  byokDraft,
  createDraft,
  customerCaller,
  harnessForFile,
  provisioningWorkerForFile,
  refusal,
  withoutStatements,
  sandboxState,
  seedOrganization,
  settledStatus,
  submit,
} from "@/lib/provisioning/__testing__/harness";
import { deleteEnvironment, NOT_DELETABLE_MESSAGE } from "./delete-environment";
import { getEnvironment } from "./get-environment";

const REGION = "eu-west-1";
const harness = harnessForFile();
provisioningWorkerForFile({ pollingIntervalSeconds: 1 });



/** The cleanup's outcome once settled, with its error when it failed ("failed: DeleteBucket: …"). */
async function cleanupStatus(environmentId: string, timeout = 30_000): Promise<string | null> {
  const started = Date.now();
  for (;;) {
    const row = await db().environment.findUniqueOrThrow({ where: { id: environmentId }, select: { cleanupStatus: true, cleanupError: true } });
    const settled = row.cleanupStatus !== "pending" && row.cleanupStatus !== "running";
    if (settled || Date.now() - started > timeout) return row.cleanupError ? `${row.cleanupStatus}: ${row.cleanupError}` : row.cleanupStatus;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("deleteEnvironment", () => {
  test("a draft is deleted: gone for the customer, audited, nothing to clean up; deleting again is NOT_FOUND", async () => {
    const org = await seedOrganization("deldraft");
    const environmentId = await createDraft(org);
    const caller = await customerCaller(org.userId);
    expect(await deleteEnvironment(caller, { environmentId })).toMatchObject({ environmentId, cleanup: false });

    expect((await refusal(getEnvironment(caller, { environmentId }))).code).toBe("NOT_FOUND");
    const row = await db().environment.findUniqueOrThrow({ where: { id: environmentId } });
    expect(row.deletedAt).not.toBeNull();
    expect([row.deletedById, row.cleanupStatus, row.status]).toEqual([org.userId, null, "DRAFT"]);
    const [audited] = await auditOf(environmentId, "environment.deleted");
    expect(audited?.details).toMatchObject({ status: "DRAFT", cleanup: false });
    expect((await refusal(deleteEnvironment(caller, { environmentId }))).code).toBe("NOT_FOUND");
    // The database keeps a deleted environment deleted.
    await expect(db().environment.update({ where: { id: environmentId }, data: { deletedAt: null } })).rejects.toThrow(/is deleted/);
  });

  test("a failed environment is deleted and its buckets are removed by the worker; a second cleanup finds them gone", async () => {
    const draft = await byokDraft("delfailed", REGION, { s3: withoutStatements(STATEMENT_IDS.s3Use) });
    await submit(draft.environmentId, draft.userId);
    expect(await settledStatus(draft.environmentId)).toBe("FAILED");
    const prefix = env().resourcePrefix;
    const dataBucket = bucketName(prefix, draft.environmentId, "data");
    expect((await sandboxState(harness().sandboxUrl)).buckets[dataBucket]).toBeDefined();

    const caller = await customerCaller(draft.userId);
    expect(await deleteEnvironment(caller, { environmentId: draft.environmentId })).toMatchObject({ cleanup: true });
    expect(await cleanupStatus(draft.environmentId)).toBe("done");
    const state = await sandboxState(harness().sandboxUrl);
    expect(Object.keys(state.buckets).filter((name) => name.startsWith(`${prefix}-${draft.environmentId}-`))).toEqual([]);
    const [completed] = await auditOf(draft.environmentId, "environment.cleanup.completed");
    expect(completed?.details).toMatchObject({
      removed: [
        { resource: `arn:aws:s3:::${dataBucket}`, outcome: "removed" },
        { resource: `arn:aws:s3:::${bucketName(prefix, draft.environmentId, "logs")}`, outcome: "removed" },
        { resource: clusterIdentifier(prefix, draft.environmentId), outcome: "already-gone" },
      ],
    });

    // Run again (as after a crash between the calls and the record): nothing to do, nothing fails.
    await db().$executeRaw`UPDATE environment SET "cleanupStatus" = 'pending' WHERE id = ${draft.environmentId}::uuid`;
    expect(await cleanupDeletedEnvironment(draft.environmentId)).toBe("done");
    expect((await auditOf(draft.environmentId, "environment.cleanup.completed")).at(-1)?.details).toMatchObject({
      removed: [{ outcome: "already-gone" }, { outcome: "already-gone" }, { outcome: "already-gone" }],
    });
  });

  test("a failed environment whose cluster exists: the cluster is unprotected and deleted", async () => {
    const draft = await byokDraft("delcluster", REGION);
    await submit(draft.environmentId, draft.userId);
    expect(await settledStatus(draft.environmentId)).toBe("READY");
    const caller = await customerCaller(draft.userId);
    expect((await refusal(deleteEnvironment(caller, { environmentId: draft.environmentId }))).message).toBe(NOT_DELETABLE_MESSAGE);

    // As if finalize had failed after the cluster was made.
    await db().environment.update({ where: { id: draft.environmentId }, data: { status: "FAILED" } });
    await deleteEnvironment(caller, { environmentId: draft.environmentId });
    expect(await cleanupStatus(draft.environmentId)).toBe("done");
    const identifier = clusterIdentifier(env().resourcePrefix, draft.environmentId);
    const cluster = (await sandboxState(harness().sandboxUrl)).clusters.find((c) => c.identifier === identifier);
    expect(cluster === undefined || cluster.deletingSince !== undefined).toBe(true);
  });

  test("another organization cannot delete it", async () => {
    const org = await seedOrganization("delowner");
    const environmentId = await createDraft(org);
    const stranger = await customerCaller((await seedOrganization("delstranger")).userId);
    expect((await refusal(deleteEnvironment(stranger, { environmentId }))).code).toBe("NOT_FOUND");
    expect((await db().environment.findUniqueOrThrow({ where: { id: environmentId } })).deletedAt).toBeNull();
  });
});
