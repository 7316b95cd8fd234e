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
  deletingSince?: string;
  tags: Array<{ Key: string; Value: string }>;
  deletionProtection: boolean;
}

export type RdsState = Record<string, Record<string, { clusters: Record<string, DbCluster> }>>;
