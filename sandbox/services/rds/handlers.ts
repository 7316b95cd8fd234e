/**
 * Aurora clusters. With a KMS key, RDS calls DescribeKey and CreateGrant as the caller
 * through the RDS service (`kms:ViaService = rds.<region>.amazonaws.com`,
 * `kms:GrantIsForAWSResource = true`); any refusal surfaces as KMSKeyNotAccessibleFault.
 *
 * Afterwards RDS uses the key through its grant. When it loses it — the key disabled, pending
 * deletion or deleted, or the grant revoked — the cluster turns
 * `inaccessible-encryption-credentials-recoverable` (`rdsKeyLossDelayMs` later), stays so even
 * once the key is usable again, until StartDBCluster restarts it (`starting`, then `available`);
 * after seven days it is terminal, `inaccessible-encryption-credentials` (AWS Knowledge Center,
 * "Resolve an Amazon RDS instance or Aurora cluster in an inaccessible encryption state").
 * The delay counts from the key's state change (KMS records it), or, for a deleted key or a
 * revoked grant, from the first RDS call that found it so. The sandbox applies all of this
 * when an RDS call looks at the cluster, so an outage no RDS call saw leaves no trace.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { ServiceError } from "../../errors";
import { type Input, isRecord, optBoolean, optList, optNumber, optString, reqString } from "../../input";
import type { AccessCheck } from "../../authorize";
import { regional } from "../../state";
import { type CallContext, type Output, type Service, type World, operation } from "../../world";
import type { KmsService } from "../kms/handlers";
import { KEY_ARN, findKey } from "../kms/lookup";
import type { DbCluster } from "./model";

/** XML element names RDS uses for list members. */
export const RDS_MEMBER_NAMES: Record<string, string> = {
  DBClusters: "DBCluster",
  AvailabilityZones: "AvailabilityZone",
  TagList: "Tag",
  DBClusterMembers: "DBClusterMember",
  VpcSecurityGroups: "VpcSecurityGroupMembership",
};

const IDENTIFIER = /^[a-zA-Z][a-zA-Z0-9]*(-[a-zA-Z0-9]+)*$/;

const ENGINES: Record<string, { version: string; port: number }> = {
  "aurora-postgresql": { version: "16.4", port: 5432 },
  "aurora-mysql": { version: "8.0.mysql_aurora.3.08.0", port: 3306 },
};

const INACCESSIBLE_RECOVERABLE = "inaccessible-encryption-credentials-recoverable";
const INACCESSIBLE_TERMINAL = "inaccessible-encryption-credentials";
/** How long an inaccessible cluster can still be recovered by restarting it. */
const RECOVERABLE_FOR_MS = 7 * 86_400_000;

function parameterValue(message: string): ServiceError {
  return new ServiceError("InvalidParameterValue", message, 400);
}

function rdsAccess(action: string, resource: string): AccessCheck {
  return { action: `rds:${action}`, resource };
}

export function createRdsService(world: World, kms: KmsService): Service {
  const clusters = (account: string, region: string) => regional(world.state.rds, account, region, (): { clusters: Record<string, DbCluster> } => ({ clusters: {} })).clusters;

  /** Applies the clock and the state of each cluster's key: deleting → gone, key lost → inaccessible. */
  function refresh(account: string, region: string): Record<string, DbCluster> {
    const all = clusters(account, region);
    const now = world.now();
    for (const [id, c] of Object.entries(all)) {
      if (c.deletingSince) {
        if (Date.parse(c.deletingSince) + world.rdsCreateDelayMs <= now.getTime()) {
          delete all[id];
          world.changed();
        }
        continue;
      }
      trackKey(c, now);
    }
    return all;
  }

  /**
   * When RDS lost the use of the cluster's key, or undefined while it has it. RDS uses the key
   * through its grant, not the caller's permissions: the key must exist, be Enabled and still
   * hold the cluster's grant.
   */
  function keyLostAt(c: DbCluster, now: Date): string | undefined {
    if (!c.kmsKeyArn) return undefined;
    const arn = KEY_ARN.exec(c.kmsKeyArn);
    const key = arn ? findKey(world, arn[3] ?? "", arn[2] ?? "", arn[4] ?? "") : undefined;
    const firstSeen = c.keyLostAt ?? now.toISOString();
    if (!key) return firstSeen;
    if (key.keyState !== "Enabled") return key.keyStateChangedAt ?? firstSeen;
    if (c.kmsGrantId !== undefined && !key.grants.some((g) => g.grantId === c.kmsGrantId)) return firstSeen;
    return undefined;
  }

  /** A lost key starts the countdown; once it has run out the cluster is inaccessible until started. */
  function trackKey(c: DbCluster, now: Date): void {
    if (c.inaccessibleSince || now.getTime() < Date.parse(c.availableAt)) return;
    const lostAt = keyLostAt(c, now);
    if (lostAt === undefined) {
      if (c.keyLostAt !== undefined) {
        delete c.keyLostAt;
        world.changed();
      }
      return;
    }
    if (c.keyLostAt !== lostAt) {
      c.keyLostAt = lostAt;
      world.changed();
    }
    const turnsAt = Math.max(Date.parse(lostAt), Date.parse(c.availableAt)) + world.rdsKeyLossDelayMs;
    if (turnsAt <= now.getTime()) {
      c.inaccessibleSince = new Date(turnsAt).toISOString();
      delete c.startingUntil;
      world.changed();
    }
  }

  function status(c: DbCluster): string {
    const now = world.now().getTime();
    if (c.deletingSince) return "deleting";
    if (now < Date.parse(c.availableAt)) return "creating";
    if (c.inaccessibleSince) return Date.parse(c.inaccessibleSince) + RECOVERABLE_FOR_MS <= now ? INACCESSIBLE_TERMINAL : INACCESSIBLE_RECOVERABLE;
    if (c.startingUntil && now < Date.parse(c.startingUntil)) return "starting";
    return "available";
  }

  function describe(c: DbCluster): Output {
    const now = world.now().getTime();
    const suffix = `${c.identifier}.cluster-${c.resourceId.slice(-12).toLowerCase()}.${c.region}.rds.amazonaws.com`;
    const out: Output = {
      AllocatedStorage: 1,
      AvailabilityZones: [`${c.region}a`, `${c.region}b`, `${c.region}c`],
      BackupRetentionPeriod: 1,
      DatabaseName: c.databaseName,
      DBClusterIdentifier: c.identifier,
      DBClusterParameterGroup: `default.${c.engine}${c.engine === "aurora-postgresql" ? "16" : "8.0"}`,
      DBSubnetGroup: "default",
      Status: status(c),
      Endpoint: suffix,
      ReaderEndpoint: suffix.replace(".cluster-", ".cluster-ro-"),
      MultiAZ: false,
      Engine: c.engine,
      EngineVersion: c.engineVersion,
      Port: c.port,
      MasterUsername: c.masterUsername,
      DBClusterMembers: [],
      VpcSecurityGroups: [],
      StorageEncrypted: c.storageEncrypted,
      KmsKeyId: c.kmsKeyArn,
      DbClusterResourceId: c.resourceId,
      DBClusterArn: c.arn,
      ClusterCreateTime: new Date(c.createdAt),
      EngineMode: "provisioned",
      DeletionProtection: c.deletionProtection,
      HttpEndpointEnabled: false,
      CopyTagsToSnapshot: c.copyTagsToSnapshot ?? false,
      TagList: c.tags,
    };
    if (c.masterUserSecret) {
      // Secrets Manager creates the secret along with the cluster.
      const secretStatus = now < Date.parse(c.availableAt) ? "creating" : "active";
      out.MasterUserSecret = { SecretArn: c.masterUserSecret.secretArn, SecretStatus: secretStatus, KmsKeyId: c.masterUserSecret.kmsKeyArn };
    }
    return out;
  }

  function findCluster(ctx: CallContext, identifier: string): DbCluster {
    const id = identifier.startsWith("arn:") ? (identifier.split(":cluster:")[1] ?? "") : identifier;
    const cluster = refresh(ctx.principal.accountId, ctx.region)[id.toLowerCase()];
    if (!cluster) throw new ServiceError("DBClusterNotFoundFault", `DBCluster ${identifier} not found.`, 404);
    return cluster;
  }

  function readTags(input: Input): Array<{ Key: string; Value: string }> {
    return (optList(input, "Tags") ?? []).flatMap((t) =>
      isRecord(t) && typeof t.Key === "string" ? [{ Key: t.Key, Value: typeof t.Value === "string" ? t.Value : "" }] : [],
    );
  }

  function notAccessible(keyIdInput: string): ServiceError {
    return new ServiceError(
      "KMSKeyNotAccessibleFault",
      `The specified KMS key [${keyIdInput}] does not exist, is not enabled or you do not have permissions to access it.`,
      400,
    );
  }

  /** Runs KMS calls as the caller through RDS; any refusal becomes KMSKeyNotAccessibleFault. */
  async function throughRds<T>(ctx: CallContext, keyIdInput: string, work: (via: CallContext) => Promise<T>): Promise<T> {
    try {
      return await work({ ...ctx, viaService: `rds.${ctx.region}.amazonaws.com` });
    } catch (error) {
      if (error instanceof ServiceError && error.code === "KMSKeyNotAccessibleFault") throw error;
      // Faults injected as throttling or 5xx on KMS stay what they are; everything else is "not accessible".
      if (error instanceof ServiceError && (error.code === "ThrottlingException" || error.status >= 500)) throw error;
      throw notAccessible(keyIdInput);
    }
  }

  /** DescribeKey as RDS does it: the key must be Enabled. Returns its ARN. */
  async function enabledKeyArn(via: CallContext, keyIdInput: string): Promise<string> {
    const described = await kms.call("DescribeKey", { KeyId: keyIdInput }, via);
    const meta = described.KeyMetadata;
    if (!isRecord(meta) || meta.KeyState !== "Enabled" || typeof meta.Arn !== "string") throw notAccessible(keyIdInput);
    return meta.Arn;
  }

  /** The grant RDS holds on the key for one cluster. Returns its id. */
  async function grantForCluster(via: CallContext, keyArn: string, clusterArn: string, keyIdInput: string): Promise<string> {
    const grant = await kms.call(
      "CreateGrant",
      {
        KeyId: keyArn,
        GranteePrincipal: `rds.${via.region}.amazonaws.com`,
        RetiringPrincipal: `rds.${via.region}.amazonaws.com`,
        Operations: ["Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo", "CreateGrant", "RetireGrant", "DescribeKey"],
        Constraints: { EncryptionContextSubset: { "aws:rds:db-id": clusterArn.split(":").pop() ?? "" } },
      },
      via,
    );
    if (typeof grant.GrantId !== "string") throw notAccessible(keyIdInput);
    return grant.GrantId;
  }

  /** Validates the key the way RDS does, as the caller, through RDS. Returns the key ARN and grant id. */
  function useKey(ctx: CallContext, keyIdInput: string, clusterArn: string): Promise<{ keyArn: string; grantId: string }> {
    return throughRds(ctx, keyIdInput, async (via) => {
      const keyArn = await enabledKeyArn(via, keyIdInput);
      return { keyArn, grantId: await grantForCluster(via, keyArn, clusterArn, keyIdInput) };
    });
  }

  /**
   * Restarting a cluster that lost its key checks the key again as the caller, through RDS, and
   * makes RDS a new grant if the old one was revoked.
   */
  async function regainKey(ctx: CallContext, cluster: DbCluster): Promise<void> {
    const keyArn = cluster.kmsKeyArn;
    if (!keyArn) return;
    await throughRds(ctx, keyArn, async (via) => {
      await enabledKeyArn(via, keyArn);
      if (keyLostAt(cluster, world.now()) === undefined) return;
      cluster.kmsGrantId = await grantForCluster(via, keyArn, cluster.arn, keyArn);
    });
  }

  /**
   * The secret RDS creates in Secrets Manager for a managed master password: named
   * `rds!cluster-<uuid>` (Secrets Manager appends six random characters to the ARN), encrypted
   * under the given key, checked as the caller through RDS, or else the account's AWS managed
   * `aws/secretsmanager` key.
   */
  async function newMasterUserSecret(ctx: CallContext, keyIdInput: string | undefined): Promise<{ secretArn: string; kmsKeyArn: string }> {
    const kmsKeyArn = keyIdInput
      ? await throughRds(ctx, keyIdInput, (via) => enabledKeyArn(via, keyIdInput))
      : secretsManagerKeyArn(ctx.principal.accountId, ctx.region);
    const suffix = randomBytes(6)
      .toString("base64")
      .replace(/[^A-Za-z0-9]/g, "x")
      .slice(0, 6);
    return { secretArn: `arn:aws:secretsmanager:${ctx.region}:${ctx.principal.accountId}:secret:rds!cluster-${randomUUID()}-${suffix}`, kmsKeyArn };
  }

  /**
   * The AWS managed `aws/secretsmanager` key. KmsService types its service names as S3 and RDS
   * only, though it creates any `alias/aws/<service>` key alike.
   */
  function secretsManagerKeyArn(accountId: string, region: string): string {
    const managedKeyArn = kms.awsManagedKeyArn as (accountId: string, region: string, service: string) => string;
    return managedKeyArn(accountId, region, "secretsmanager");
  }

  async function createCluster(ctx: CallContext, input: Input, target: { id: string; engine: DbCluster["engine"]; engineDefaults: { version: string; port: number }; arn: string }): Promise<Output> {
    const { id, engine, engineDefaults, arn } = target;
    const all = refresh(ctx.principal.accountId, ctx.region);
    if (all[id]) throw new ServiceError("DBClusterAlreadyExistsFault", "DB Cluster already exists", 400);
    const kmsKeyId = optString(input, "KmsKeyId");
    const storageEncryptedInput = optBoolean(input, "StorageEncrypted");
    if (kmsKeyId && storageEncryptedInput === false) {
      throw new ServiceError("InvalidParameterCombination", "Cannot specify KmsKeyId when StorageEncrypted is false.", 400);
    }
    const storageEncrypted = storageEncryptedInput ?? Boolean(kmsKeyId);
    if (!optString(input, "MasterUsername") && !optString(input, "SnapshotIdentifier")) {
      throw parameterValue("The parameter MasterUsername must be provided and must not be blank.");
    }
    const managePassword = optBoolean(input, "ManageMasterUserPassword") ?? false;
    if (!optString(input, "MasterUserPassword") && !managePassword) {
      throw parameterValue("The parameter MasterUserPassword must be provided and must not be blank, or ManageMasterUserPassword must be true.");
    }
    if (managePassword && optString(input, "MasterUserPassword")) {
      throw new ServiceError("InvalidParameterCombination", "You can't specify MasterUserPassword and ManageMasterUserPassword at the same time.", 400);
    }
    const secretKeyIdInput = optString(input, "MasterUserSecretKmsKeyId");
    if (secretKeyIdInput && !managePassword) {
      throw new ServiceError("InvalidParameterCombination", "You can't specify MasterUserSecretKmsKeyId unless ManageMasterUserPassword is true.", 400);
    }
    let key: { keyArn: string; grantId: string } | undefined;
    if (storageEncrypted) {
      key = await useKey(ctx, kmsKeyId ?? kms.awsManagedKeyArn(ctx.principal.accountId, ctx.region, "rds"), arn);
    }
    const masterUserSecret = managePassword ? await newMasterUserSecret(ctx, secretKeyIdInput) : undefined;
    const now = world.now();
    const cluster: DbCluster = {
      identifier: id,
      arn,
      resourceId: `cluster-${randomBytes(13).toString("hex").toUpperCase().slice(0, 26)}`,
      accountId: ctx.principal.accountId,
      region: ctx.region,
      engine,
      engineVersion: optString(input, "EngineVersion") ?? engineDefaults.version,
      port: optNumber(input, "Port") ?? engineDefaults.port,
      storageEncrypted,
      createdAt: now.toISOString(),
      availableAt: new Date(now.getTime() + world.rdsCreateDelayMs).toISOString(),
      tags: readTags(input),
      deletionProtection: optBoolean(input, "DeletionProtection") ?? false,
      copyTagsToSnapshot: optBoolean(input, "CopyTagsToSnapshot") ?? false,
    };
    if (masterUserSecret) cluster.masterUserSecret = masterUserSecret;
    const masterUsername = optString(input, "MasterUsername");
    if (masterUsername) cluster.masterUsername = masterUsername;
    const databaseName = optString(input, "DatabaseName");
    if (databaseName) cluster.databaseName = databaseName;
    if (key) {
      cluster.kmsKeyArn = key.keyArn;
      cluster.kmsGrantId = key.grantId;
    }
    all[id] = cluster;
    world.changed();
    return { DBCluster: describe(cluster) };
  }

  return {
    name: "rds",
    accessDenied: { code: "AccessDenied", status: 403 },
    operations: {
      CreateDBCluster: operation({
        resolve(input, ctx) {
          const identifier = reqString(input, "DBClusterIdentifier", "InvalidParameterValue");
          if (!IDENTIFIER.test(identifier) || identifier.length > 63) {
            throw parameterValue("The parameter DBClusterIdentifier is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.");
          }
          const id = identifier.toLowerCase();
          const engine = reqString(input, "Engine", "InvalidParameterValue");
          const engineDefaults = ENGINES[engine];
          if (!engineDefaults || (engine !== "aurora-postgresql" && engine !== "aurora-mysql")) throw parameterValue(`Invalid DB engine: ${engine}`);
          const engineName: DbCluster["engine"] = engine;
          return { id, engine: engineName, engineDefaults, arn: `arn:aws:rds:${ctx.region}:${ctx.principal.accountId}:cluster:${id}` };
        },
        access: ({ arn }) => [rdsAccess("CreateDBCluster", arn)],
        run: ({ id, engine, engineDefaults, arn }, input, ctx) => createCluster(ctx, input, { id, engine, engineDefaults, arn }),
      }),

      DescribeDBClusters: operation({
        resolve: () => undefined,
        access: (_none, ctx) => [rdsAccess("DescribeDBClusters", `arn:aws:rds:${ctx.region}:${ctx.principal.accountId}:cluster:*`)],
        run(_none, input, ctx) {
          const identifier = optString(input, "DBClusterIdentifier");
          if (identifier) return { DBClusters: [describe(findCluster(ctx, identifier))] };
          return { DBClusters: Object.values(refresh(ctx.principal.accountId, ctx.region)).map(describe) };
        },
      }),

      // The sandbox never stops a cluster, so the one kind of cluster to start is an inaccessible one.
      StartDBCluster: operation({
        resolve: (input, ctx) => findCluster(ctx, reqString(input, "DBClusterIdentifier", "InvalidParameterValue")),
        access: (cluster) => [rdsAccess("StartDBCluster", cluster.arn)],
        async run(cluster, _input, ctx) {
          const current = status(cluster);
          if (current !== INACCESSIBLE_RECOVERABLE) {
            throw new ServiceError(
              "InvalidDBClusterStateFault",
              `DbCluster ${cluster.identifier} is in ${current} state but expected it to be one of stopped,${INACCESSIBLE_RECOVERABLE}.`,
              400,
            );
          }
          await regainKey(ctx, cluster);
          delete cluster.inaccessibleSince;
          delete cluster.keyLostAt;
          cluster.startingUntil = new Date(world.now().getTime() + world.rdsCreateDelayMs).toISOString();
          world.changed();
          return { DBCluster: describe(cluster) };
        },
      }),

      // What the portal changes before deleting a failed environment's cluster: its deletion
      // protection. The sandbox applies every change at once, whatever ApplyImmediately says:
      // deletion protection is never deferred to the maintenance window on AWS either.
      ModifyDBCluster: operation({
        resolve: (input, ctx) => findCluster(ctx, reqString(input, "DBClusterIdentifier", "InvalidParameterValue")),
        access: (cluster) => [rdsAccess("ModifyDBCluster", cluster.arn)],
        run(cluster, input) {
          optBoolean(input, "ApplyImmediately");
          const current = status(cluster);
          // A cluster that lost its key can still have its deletion protection lifted, so it can be deleted.
          if (current === "creating" || current === "deleting" || current === "starting") {
            throw new ServiceError("InvalidDBClusterStateFault", `DB cluster ${cluster.identifier} is not available for modification with status ${current}.`, 400);
          }
          if (optString(input, "NewDBClusterIdentifier") !== undefined) throw parameterValue("The sandbox does not rename clusters (NewDBClusterIdentifier).");
          const deletionProtection = optBoolean(input, "DeletionProtection");
          if (deletionProtection !== undefined && deletionProtection !== cluster.deletionProtection) {
            cluster.deletionProtection = deletionProtection;
            world.changed();
          }
          const copyTags = optBoolean(input, "CopyTagsToSnapshot");
          if (copyTags !== undefined && copyTags !== (cluster.copyTagsToSnapshot ?? false)) {
            cluster.copyTagsToSnapshot = copyTags;
            world.changed();
          }
          return { DBCluster: describe(cluster) };
        },
      }),

      DeleteDBCluster: operation({
        resolve: (input, ctx) => findCluster(ctx, reqString(input, "DBClusterIdentifier", "InvalidParameterValue")),
        access: (cluster) => [rdsAccess("DeleteDBCluster", cluster.arn)],
        run(cluster, input) {
          if (cluster.deletingSince) throw new ServiceError("InvalidDBClusterStateFault", `DB cluster ${cluster.identifier} is already being deleted.`, 400);
          if (cluster.deletionProtection) {
            throw new ServiceError("InvalidParameterCombination", "Cannot delete protected Cluster, please disable deletion protection and try again.", 400);
          }
          if (!optBoolean(input, "SkipFinalSnapshot") && !optString(input, "FinalDBSnapshotIdentifier")) {
            throw new ServiceError("InvalidParameterCombination", "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.", 400);
          }
          cluster.deletingSince = world.now().toISOString();
          if (cluster.kmsKeyArn && cluster.kmsGrantId) kms.retireGrantAsService(cluster.kmsKeyArn, cluster.kmsGrantId);
          world.changed();
          return { DBCluster: describe(cluster) };
        },
      }),
    },
  };
}
