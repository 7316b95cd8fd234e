export interface DbCluster {
  identifier: string;
  arn: string;
  resourceId: string;
  accountId: string;
  region: string;
  engine: "aurora-postgresql" | "aurora-mysql";
  engineVersion: string;
  masterUsername?: string;
  databaseName?: string;
  port: number;
  storageEncrypted: boolean;
  kmsKeyArn?: string;
  /** The grant RDS created on the customer key, retired on deletion. */
  kmsGrantId?: string;
  createdAt: string;
  /** The cluster reports `creating` until this instant, then `available`. */
  availableAt: string;
  /**
   * When RDS lost the use of the cluster's key and has not seen it back since; the cluster turns
   * inaccessible `rdsKeyLossDelayMs` later.
   */
  keyLostAt?: string;
  /**
   * When the cluster turned `inaccessible-encryption-credentials-recoverable`. It stays so, even
   * with the key usable again, until StartDBCluster; seven days on it is terminal.
   */
  inaccessibleSince?: string;
  /** After StartDBCluster: `starting` until this instant. */
  startingUntil?: string;
  deletingSince?: string;
  tags: Array<{ Key: string; Value: string }>;
  deletionProtection: boolean;
  /** Absent in states saved before the sandbox recorded it: false. */
  copyTagsToSnapshot?: boolean;
  /** With ManageMasterUserPassword: the Secrets Manager secret RDS keeps the master password in. */
  masterUserSecret?: { secretArn: string; kmsKeyArn: string };
}

export type RdsState = Record<string, Record<string, { clusters: Record<string, DbCluster> }>>;
