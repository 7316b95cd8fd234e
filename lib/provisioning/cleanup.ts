import "server-only";
import { DeleteBucketCommand, DeleteObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { DeleteDBClusterCommand, ModifyDBClusterCommand } from "@aws-sdk/client-rds";
import { recordAudit } from "@/lib/audit/record";
import { environmentAwsClients } from "@/lib/aws/environment-session";
import { normalizeAwsError, type AwsServiceName } from "@/lib/aws/errors";
import { env } from "@/lib/env";
import { provisioningDb } from "./db";
import { BUCKET_PURPOSES, bucketName, clusterIdentifier } from "./names";

/**
 * Removes what provisioning made for a deleted environment (lib/environments/delete-environment.ts):
 * its buckets (emptied first) and its Aurora cluster (deletion protection off first, no final
 * snapshot: the environment never held data). Every call is safe to repeat, and "already
 * gone" counts as done, so a cleanup cut short by a crash is simply run again.
 *
 * The environment row is the durable record: cleanupStatus "pending" → "running" (claimed by
 * one worker; a claim older than STALE_CLAIM_MINUTES is taken over) → "done", or "failed"
 * (tried again by the sweep after RETRY_FAILED_MINUTES). Calls run in the environment's own
 * tagged session, like provisioning's.
 */

const STALE_CLAIM_MINUTES = 10;
const RETRY_FAILED_MINUTES = 10;

/** The environments whose cleanup is due: pending, abandoned while running, or failed a while ago. */
export const CLEANUP_DUE_SQL = `"deletedAt" IS NOT NULL AND (
  "cleanupStatus" = 'pending'
  OR ("cleanupStatus" = 'running' AND "cleanupStartedAt" < now() - interval '${STALE_CLAIM_MINUTES} minutes')
  OR ("cleanupStatus" = 'failed' AND "cleanupStartedAt" < now() - interval '${RETRY_FAILED_MINUTES} minutes'))`;

export async function dueCleanups(limit = 50): Promise<string[]> {
  const rows = await provisioningDb().$queryRawUnsafe<Array<{ id: string }>>(`SELECT id::text AS id FROM environment WHERE ${CLEANUP_DUE_SQL} LIMIT ${Math.trunc(limit)}`);
  return rows.map((row) => row.id);
}

type Removal = { resource: string; outcome: "removed" | "already-gone" };

class CleanupFailure extends Error {
  constructor(
    readonly service: AwsServiceName,
    readonly operation: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function attempt<T>(service: AwsServiceName, operation: string, gone: readonly string[], call: () => Promise<T>): Promise<T | "gone"> {
  try {
    return await call();
  } catch (error) {
    const info = normalizeAwsError(error, service);
    if (gone.includes(info.code)) return "gone";
    throw new CleanupFailure(service, operation, info.code, info.message);
  }
}

/** Claims and runs the cleanup of one deleted environment; "skipped" when it is not due or another worker has it. */
export async function cleanupDeletedEnvironment(environmentId: string): Promise<"done" | "failed" | "skipped"> {
  const claimed = await provisioningDb().$queryRawUnsafe<Array<{ id: string; organizationId: string; region: string }>>(
    `UPDATE environment SET "cleanupStatus" = 'running', "cleanupStartedAt" = now(), "cleanupError" = NULL
      WHERE id = $1::uuid AND ${CLEANUP_DUE_SQL}
      RETURNING id::text AS id, "organizationId", region`,
    environmentId,
  );
  const environment = claimed[0];
  if (!environment) return "skipped";

  const prefix = env().resourcePrefix;
  const clients = environmentAwsClients(environment.region, environment.id);
  const removed: Removal[] = [];
  let outcome: "done" | "failed" = "done";
  let failure: CleanupFailure | undefined;
  try {
    for (const purpose of BUCKET_PURPOSES) {
      const bucket = bucketName(prefix, environment.id, purpose);
      let gone = false;
      for (;;) {
        const listed = await attempt("s3", "ListObjectsV2", ["NoSuchBucket"], () => clients.s3.send(new ListObjectsV2Command({ Bucket: bucket })));
        if (listed === "gone") {
          gone = true;
          break;
        }
        const keys = (listed.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : []));
        if (keys.length === 0) break;
        for (const key of keys) await attempt("s3", "DeleteObject", ["NoSuchBucket", "NoSuchKey"], () => clients.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })));
      }
      const deleted = gone ? "gone" : await attempt("s3", "DeleteBucket", ["NoSuchBucket"], () => clients.s3.send(new DeleteBucketCommand({ Bucket: bucket })));
      removed.push({ resource: `arn:aws:s3:::${bucket}`, outcome: deleted === "gone" ? "already-gone" : "removed" });
    }
    const cluster = clusterIdentifier(prefix, environment.id);
    const unprotected = await attempt("rds", "ModifyDBCluster", ["DBClusterNotFoundFault"], () =>
      clients.rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: cluster, DeletionProtection: false, ApplyImmediately: true })),
    );
    let clusterOutcome: Removal["outcome"] = "already-gone";
    if (unprotected !== "gone") {
      const deleted = await attempt("rds", "DeleteDBCluster", ["DBClusterNotFoundFault", "InvalidDBClusterStateFault"], () =>
        clients.rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: cluster, SkipFinalSnapshot: true })),
      );
      clusterOutcome = deleted === "gone" ? "already-gone" : "removed";
    }
    removed.push({ resource: cluster, outcome: clusterOutcome });
  } catch (error) {
    outcome = "failed";
    failure = error instanceof CleanupFailure ? error : new CleanupFailure("s3", "cleanup", "UnknownError", "The cleanup stopped on an unexpected error.");
  }

  await provisioningDb().$transaction(async (tx) => {
    await tx.environment.update({
      where: { id: environment.id },
      data: { cleanupStatus: outcome, cleanupError: failure ? `${failure.operation}: ${failure.code}: ${failure.message}` : null },
    });
    await recordAudit(tx, {
      organizationId: environment.organizationId,
      environmentId: environment.id,
      actor: { type: "platform" },
      action: outcome === "done" ? "environment.cleanup.completed" : "environment.cleanup.failed",
      details: failure ? { removed, service: failure.service, operation: failure.operation, errorCode: failure.code, errorMessage: failure.message } : { removed },
    });
  });
  return outcome;
}
