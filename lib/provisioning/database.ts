import "server-only";
import { CreateDBClusterCommand, DescribeDBClustersCommand, type DBCluster } from "@aws-sdk/client-rds";
import { AwsCallError } from "@/lib/aws/errors";
import { StepFailure, pause, type StepContext } from "./context";
import { clusterIdentifier, resourceTagKeys } from "./names";

export type DatabaseOutput = {
  clusterIdentifier: string;
  clusterArn: string | null;
  endpoint: string | null;
  readerEndpoint: string | null;
  port: number | null;
  engine: string;
  engineVersion: string | null;
  storageEncrypted: boolean;
  kmsKeyArn: string | null;
  status: string;
  /** "created" by this run, or "existing" when an earlier run had started it. */
  creation: "created" | "existing";
};

export const DATABASE_ENGINE = "aurora-postgresql";
/** The administrator's name; its password is generated and kept in Secrets Manager by RDS, never seen by us. */
const MASTER_USERNAME = "app_admin";

/** States from which a cluster will not become available without someone acting (RDS User Guide, "Viewing DB cluster status"). */
const DEAD_END_STATES = new Set([
  "failed",
  "inaccessible-encryption-credentials",
  "inaccessible-encryption-credentials-recoverable",
  "incompatible-network",
  "incompatible-parameters",
  "incompatible-restore",
  "deleting",
  "stopped",
  "stopping",
]);

/**
 * Step 2: the Aurora PostgreSQL cluster, storage encrypted with the customer's RDS key (RDS
 * checks the key and creates its grant inside CreateDBCluster, so a key it cannot use fails
 * the call itself) or with the AWS managed key. Then waits, with bounded exponential backoff,
 * until the cluster is available. A cluster with this environment's identifier that already
 * exists is accepted only if it is encrypted the way this environment asks for.
 */
export async function provisionDatabase(ctx: StepContext): Promise<DatabaseOutput> {
  const { environment, clients } = ctx;
  const keyArn = ctx.customerKeyArn("rds");
  const identifier = clusterIdentifier(ctx.resourcePrefix, environment.id);
  const tags = resourceTagKeys(ctx.resourcePrefix);
  const spec = { service: "rds" as const, operation: "CreateDBCluster", resource: identifier, keyArn };

  const created = await ctx.callAccepting(
    spec,
    () =>
      clients.rds.send(
        new CreateDBClusterCommand({
          DBClusterIdentifier: identifier,
          Engine: DATABASE_ENGINE,
          StorageEncrypted: true,
          ...(keyArn ? { KmsKeyId: keyArn } : {}),
          MasterUsername: MASTER_USERNAME,
          ManageMasterUserPassword: true,
          DeletionProtection: true,
          CopyTagsToSnapshot: true,
          Tags: [
            { Key: tags.environmentId, Value: environment.id },
            { Key: tags.organizationId, Value: environment.organizationId },
          ],
        }),
      ),
    ["DBClusterAlreadyExistsFault"],
  );

  let cluster: DBCluster | undefined;
  if (created.ok) {
    cluster = created.value.DBCluster;
  } else {
    cluster = (await describeCluster(ctx, identifier, keyArn)).cluster;
    if (!cluster || !isOurs(cluster, environment.id, tags.environmentId, keyArn)) {
      throw new StepFailure(
        "DBClusterNotOwned",
        `A database cluster named ${identifier} already exists but was not created for this environment with the expected encryption key, so it was left untouched.`,
        "rds",
        false,
        ctx.lastCall?.requestId ?? null,
      );
    }
  }

  const available = await waitUntilAvailable(ctx, identifier, keyArn);
  return {
    clusterIdentifier: identifier,
    clusterArn: available.DBClusterArn ?? cluster?.DBClusterArn ?? null,
    endpoint: available.Endpoint ?? null,
    readerEndpoint: available.ReaderEndpoint ?? null,
    port: available.Port ?? null,
    engine: available.Engine ?? DATABASE_ENGINE,
    engineVersion: available.EngineVersion ?? null,
    storageEncrypted: available.StorageEncrypted === true,
    kmsKeyArn: available.KmsKeyId ?? null,
    status: available.Status ?? "available",
    creation: created.ok ? "created" : "existing",
  };
}

function isOurs(cluster: DBCluster, environmentId: string, environmentTagKey: string, keyArn: string | null): boolean {
  if (cluster.StorageEncrypted !== true) return false;
  if (keyArn && cluster.KmsKeyId !== keyArn) return false;
  const tag = cluster.TagList?.find((t) => t.Key === environmentTagKey);
  return tag === undefined || tag.Value === environmentId;
}

/** DescribeDBClusters answers a missing cluster with DBClusterNotFoundFault, never with an empty list. */
const describesOneCluster = (out: { DBClusters?: DBCluster[] }) => (out.DBClusters?.length ?? 0) > 0;

async function describeCluster(ctx: StepContext, identifier: string, keyArn: string | null, quiet = false): Promise<{ cluster: DBCluster | undefined; requestId: string | null }> {
  const described = await ctx.callAccepting(
    { service: "rds", operation: "DescribeDBClusters", resource: identifier, keyArn },
    () => ctx.clients.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifier })),
    ["DBClusterNotFoundFault"],
    { complete: describesOneCluster, quiet },
  );
  return described.ok
    ? { cluster: described.value.DBClusters?.[0], requestId: described.value.$metadata.requestId ?? null }
    : { cluster: undefined, requestId: described.error.requestId };
}

/**
 * Before a run builds on a recorded cluster (a resumed run, or a retry that reuses it), it
 * checks the cluster is still there and encrypted as recorded. Missing: the step runs again
 * (creating is idempotent). There but not available yet: the step runs again too, which waits.
 */
export async function verifyDatabase(ctx: StepContext): Promise<{ verdict: "ok" | "repair"; reason: string }> {
  const keyArn = ctx.customerKeyArn("rds");
  const identifier = clusterIdentifier(ctx.resourcePrefix, ctx.environment.id);
  const { cluster } = await describeCluster(ctx, identifier, keyArn);
  if (!cluster) return { verdict: "repair", reason: `cluster ${identifier} no longer exists` };
  if (cluster.Status !== "available") return { verdict: "repair", reason: `cluster ${identifier} is "${cluster.Status ?? "unknown"}"` };
  if (!isOurs(cluster, ctx.environment.id, resourceTagKeys(ctx.resourcePrefix).environmentId, keyArn)) {
    return { verdict: "repair", reason: `cluster ${identifier} is not encrypted as recorded` };
  }
  return { verdict: "ok", reason: "the cluster is available and encrypted as recorded" };
}

/**
 * Polls DescribeDBClusters: 15 s, 30 s, then every 60 s against AWS, for at most an hour.
 * The polls are one audit event in total (how many, the last request id), not one each; a
 * poll that fails for a temporary reason is tried again like any call (and audited).
 */
async function waitUntilAvailable(ctx: StepContext, identifier: string, keyArn: string | null): Promise<DBCluster> {
  const { timings } = ctx;
  const started = Date.now();
  let delay = timings.clusterPollInitialMs;
  let polls = 0;
  let lastStatus = "unknown";
  let lastRequestId: string | null = null;
  const spec = { service: "rds" as const, operation: "DescribeDBClusters", resource: identifier, keyArn };
  const finish = async (outcome: string, extra: { errorCode?: string; errorMessage?: string } = {}) =>
    ctx.audit(spec, { requestId: lastRequestId, outcome, polls, status: lastStatus, waitedMs: Date.now() - started, ...extra });

  for (;;) {
    polls += 1;
    let described: { cluster: DBCluster | undefined; requestId: string | null };
    try {
      described = await describeCluster(ctx, identifier, keyArn, true);
    } catch (error) {
      if (error instanceof AwsCallError) await finish("failed", { errorCode: error.info.code, errorMessage: error.info.message });
      throw error;
    }
    const cluster = described.cluster;
    lastRequestId = described.requestId;
    lastStatus = cluster?.Status ?? "missing";
    if (cluster && lastStatus === "available") {
      await finish("succeeded");
      return cluster;
    }
    if (!cluster || DEAD_END_STATES.has(lastStatus)) {
      await finish("failed", { errorCode: "DBClusterUnusable" });
      throw new StepFailure(
        "DBClusterUnusable",
        cluster
          ? `The database cluster ${identifier} went into the state "${lastStatus}" instead of becoming available.`
          : `The database cluster ${identifier} disappeared while it was being created.`,
        "rds",
        false,
        lastRequestId,
      );
    }
    const elapsed = Date.now() - started;
    if (elapsed + delay > timings.clusterWaitTimeoutMs) {
      await finish("timed-out", { errorCode: "DBClusterCreationTimedOut" });
      throw new StepFailure(
        "DBClusterCreationTimedOut",
        `The database cluster ${identifier} was still "${lastStatus}" after ${Math.round(elapsed / 60_000)} minutes.`,
        "rds",
        true,
        lastRequestId,
      );
    }
    await pause(delay, ctx.signal);
    delay = Math.min(delay * 2, timings.clusterPollMaxMs);
  }
}
