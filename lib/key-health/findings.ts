import type { KeyHealthState } from "@/generated/prisma/enums";

/**
 * What a key-health check saw (stored as key_health.findings and on each transition) and what
 * the pages read. Plain data, shared by server and client code.
 */

export type KeyKind = "s3" | "rds";
/** The path a key is used on: S3's SSE-KMS for the buckets, RDS's grant for the Aurora cluster. */
export type KeyPath = "s3" | "rds";

/** An AWS error as stored and shown: never a stack trace or a local detail. */
export interface HealthAwsError {
  service: string;
  operation: string;
  code: string;
  message: string;
  requestId: string | null;
  /**
   * Temporary trouble (throttling, AWS-side 5xx, no answer, an unreadable answer: lib/aws/errors.ts
   * classifyAwsError): never a reason to blame the customer. Absent on errors stored before it existed.
   */
  temporary?: boolean;
}

export interface KeyFinding {
  kind: KeyKind;
  keyArn: string;
  /**
   * "read": DescribeKey and GetKeyRotationStatus answered. "not-allowed": the key policy has no
   * preflight statement (AllowPlatformKeyPreflight) for this environment yet, so they were
   * skipped and the pages say so. "failed": they failed for another reason (see `error`).
   */
  preflight: "read" | "not-allowed" | "failed";
  /** DescribeKey's KeyState: Enabled, Disabled, PendingDeletion, PendingImport, Unavailable … */
  keyState?: string;
  /** ISO time, when the key is pending deletion. */
  deletionDate?: string;
  rotationEnabled?: boolean;
  error?: HealthAwsError;
}

export interface PathFinding {
  path: KeyPath;
  ok: boolean;
  /** One sentence: "Wrote and read back the canary object …", "Cluster … is available". */
  detail: string;
  /** The Aurora cluster's status on the RDS path. */
  clusterStatus?: string;
  /**
   * The check found the cluster locked out of its key (`inaccessible-encryption-credentials-recoverable`)
   * while the key is usable again, and started it (StartDBCluster), as AWS documents for recovery.
   */
  recoveryStarted?: boolean;
  error?: HealthAwsError;
}

export interface CheckFindings {
  keys: KeyFinding[];
  paths: PathFinding[];
  /** What the state is about, when it is not Healthy: which key, which path, which statement to restore. */
  problem?: {
    key: KeyKind;
    path?: KeyPath;
    /** The Sid of the key-policy statement the platform needs back (lib/byok/policies.ts STATEMENT_IDS). */
    statementSid?: string;
    error?: HealthAwsError;
  };
  /** Plain sentences for the page (e.g. the preflight statement is missing, the cluster is restarting). */
  notes: string[];
}

export interface KeyHealthTransitionView {
  fromState: KeyHealthState;
  toState: KeyHealthState;
  cause: string;
  awsError: HealthAwsError | null;
  createdAt: string;
}

/** One environment's key health as the pages show it. */
export interface KeyHealthSnapshot {
  environmentId: string;
  state: KeyHealthState;
  stateSince: string;
  rotationOff: boolean;
  findings: CheckFindings;
  checkedAt: string | null;
  nextCheckAt: string;
  /** Consecutive checks that could not reach AWS (the state turns AWS unreachable only past a threshold). */
  unreachableCount: number;
  manualCheckAt: string | null;
  /** Newest first. */
  history: KeyHealthTransitionView[];
}
