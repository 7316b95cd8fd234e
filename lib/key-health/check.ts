import "server-only";
import { DecryptCommand, DescribeKeyCommand, GetKeyRotationStatusCommand, type KMSClient } from "@aws-sdk/client-kms";
import { DescribeDBClustersCommand, StartDBClusterCommand } from "@aws-sdk/client-rds";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { randomUUID } from "node:crypto";
import type { AwsClients, ClientPatience } from "@/lib/aws/clients";
import { customerRoleClients } from "@/lib/aws/customer-role";
import { environmentAwsClients, environmentCredentials } from "@/lib/aws/environment-session";
import { classifyAwsError, isThrottlingCode, normalizeAwsError, type AwsServiceName } from "@/lib/aws/errors";
import { STATEMENT_IDS } from "@/lib/byok/policies";
import type { KeyUse } from "@/lib/key-use-log/record";
import { dataKeyContext } from "@/lib/provisioning/data-key";
import { bucketName, clusterIdentifier } from "@/lib/provisioning/names";
import type { CheckFindings, HealthAwsError, KeyFinding, KeyKind, PathFinding } from "./findings";

/**
 * One key-health check of one customer-managed environment (F9), made only with what the
 * key policies grant the platform, through the environment's tagged session:
 *   - DescribeKey and GetKeyRotationStatus on both keys (the preflight statement,
 *     AllowPlatformKeyPreflight; without it they are skipped and the findings say so);
 *   - a canary object written to the environment's data bucket with SSE-KMS under the S3
 *     key and read back (GenerateDataKey and Decrypt, as S3 makes them for the platform):
 *     the S3 path end to end;
 *   - DescribeDBClusters on the environment's Aurora cluster: a cluster that lost its key
 *     shows `inaccessible-encryption-credentials(-recoverable)`. When the key is usable again
 *     the check starts it (StartDBCluster), as the RDS User Guide documents for recovery.
 * Temporary trouble is retried here a few times with jittered backoff; what still fails is
 * recorded as it is, flagged temporary, and evaluate.ts never blames the customer for it.
 */

/** A check waits for AWS briefly and retries itself (below), so the SDK does not retry too. */
export const KEY_HEALTH_PATIENCE: ClientPatience = { maxAttempts: 1, requestTimeoutMs: 5_000 };
/** Tries per call for temporary failures: with 20 % of calls throttled, 4 tries leave 0.16 % failing. */
const TRIES_PER_CALL = 4;
const BACKOFF_BASE_MS = 100;
const BACKOFF_MAX_MS = 2_000;

/** The fixed key of the canary object in the environment's data bucket; each check overwrites it. */
export const CANARY_OBJECT_KEY = ".byok-health/canary";
export const CANARY_PURPOSE = "key-health-canary";

export interface CheckTarget {
  environmentId: string;
  /** The name in the encryption context (the environment's tenant name, or the organization's slug before it has one). */
  tenant: string;
  region: string;
  s3KeyArn: string;
  /** Null in role mode (F8): the database is encrypted by AWS with the platform's key. */
  rdsKeyArn: string | null;
  /**
   * Role mode: the platform reaches `s3KeyArn` through the customer's role, and the environment's
   * data key (wrapped by that key) encrypts the canary with SSE-C.
   */
  role?: { roleArn: string; externalId: string; wrappedDataKey: Uint8Array };
}

export interface CheckDeps {
  /** The environment's session clients (lib/aws/environment-session.ts). */
  aws: Pick<AwsClients, "kms" | "s3" | "rds">;
  /** Role mode: KMS as the customer's role. */
  roleKms?: KMSClient;
  /** Opens (or reuses) the environment's session first, so a platform-side STS failure is told apart from a key problem. */
  openSession: () => Promise<unknown>;
  resourcePrefix: string;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: () => Date;
}

export interface CheckOutcome {
  /** Without `problem`: evaluate.ts decides it. */
  findings: CheckFindings;
  /** Any call met throttling (after its retries or not): the account's limiter slows down. */
  throttled: boolean;
  /** AWS calls made, retries included, by "service:Operation" (the bench counts KMS calls from them). */
  calls: Record<string, number>;
  /** The check found the cluster recoverable with the keys usable and started it. */
  recoveryStarted: boolean;
  /** The customer-key uses the check made. */
  keyUses: KeyUse[];
}

/** The environment's own clients and session. */
export function environmentCheckDeps(target: Pick<CheckTarget, "environmentId" | "region" | "role">, resourcePrefix: string): CheckDeps {
  const role = target.role ? { environmentId: target.environmentId, region: target.region, roleArn: target.role.roleArn, externalId: target.role.externalId } : undefined;
  return {
    aws: environmentAwsClients(target.region, target.environmentId, KEY_HEALTH_PATIENCE),
    ...(role ? { roleKms: customerRoleClients(role, KEY_HEALTH_PATIENCE).kms } : {}),
    openSession: () => environmentCredentials(target.environmentId, target.region),
    resourcePrefix,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
    now: () => new Date(),
  };
}

/** The encryption context of every key use a check causes: the customer's CloudTrail shows whose and why (item 7). */
export function canaryEncryptionContext(target: Pick<CheckTarget, "tenant" | "environmentId">): Record<string, string> {
  return { tenant: target.tenant, environment: target.environmentId, purpose: CANARY_PURPOSE };
}

type Attempt<T> = { ok: true; value: T } | { ok: false; error: HealthAwsError };


function requestIdOf(value: unknown): string | null {
  const metadata = typeof value === "object" && value !== null && "$metadata" in value ? (value as { $metadata?: { requestId?: string } }).$metadata : undefined;
  return metadata?.requestId ?? null;
}

class CheckRun {
  throttled = false;
  readonly calls: Record<string, number> = {};
  readonly keyUses: KeyUse[] = [];

  constructor(private readonly deps: CheckDeps) {}

  /** `keyUse`: the call uses a customer key (directly, or S3 for the platform), recorded with its outcome. */
  async call<T>(service: AwsServiceName, operation: string, send: () => Promise<T>, keyUse?: { keyArn: string; encryptionContext?: Record<string, string> }): Promise<Attempt<T>> {
    for (let attempt = 1; ; attempt += 1) {
      const name = `${service}:${operation}`;
      this.calls[name] = (this.calls[name] ?? 0) + 1;
      const noteKeyUse = (requestId: string | null, outcome: string) => {
        if (keyUse) this.keyUses.push({ occurredAt: this.deps.now(), action: service === "kms" ? operation : name, keyArn: keyUse.keyArn, encryptionContext: keyUse.encryptionContext ?? {}, requestId, outcome });
      };
      try {
        const value = await send();
        noteKeyUse(requestIdOf(value), "success");
        return { ok: true, value };
      } catch (error) {
        const info = normalizeAwsError(error, service);
        noteKeyUse(info.requestId, info.code);
        const temporary = classifyAwsError(info) === "temporary";
        if (isThrottlingCode(info.code)) this.throttled = true;
        if (!temporary || attempt >= TRIES_PER_CALL) {
          return { ok: false, error: { service, operation, code: info.code, message: info.message, requestId: info.requestId, temporary } };
        }
        // Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter").
        const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
        await this.deps.sleep(Math.floor(this.deps.random() * ceiling));
      }
    }
  }
}

const ACCESS_DENIED = new Set(["AccessDenied", "AccessDeniedException"]);

async function checkKey(run: CheckRun, deps: CheckDeps, kind: KeyKind, keyArn: string, notes: string[]): Promise<KeyFinding> {
  const finding: KeyFinding = { kind, keyArn, preflight: "read" };
  const described = await run.call("kms", "DescribeKey", () => deps.aws.kms.send(new DescribeKeyCommand({ KeyId: keyArn })), { keyArn });
  if (!described.ok) {
    if (ACCESS_DENIED.has(described.error.code)) {
      notes.push(
        `The ${label(kind)} key's policy does not let the platform read the key's state and rotation yet (statement ${STATEMENT_IDS.preflight}); ` +
          "those were skipped, and the key is checked through its use only.",
      );
      return { ...finding, preflight: "not-allowed", error: described.error };
    }
    return { ...finding, preflight: "failed", error: described.error };
  }
  const metadata = described.value.KeyMetadata;
  if (metadata?.KeyState) finding.keyState = metadata.KeyState;
  if (metadata?.DeletionDate) finding.deletionDate = metadata.DeletionDate.toISOString();
  // KMS refuses GetKeyRotationStatus on a key pending deletion (KMSInvalidStateException): nothing to learn there.
  if (finding.keyState === "PendingDeletion") return finding;
  const rotation = await run.call("kms", "GetKeyRotationStatus", () => deps.aws.kms.send(new GetKeyRotationStatusCommand({ KeyId: keyArn })), { keyArn });
  if (rotation.ok) finding.rotationEnabled = rotation.value.KeyRotationEnabled === true;
  else if (ACCESS_DENIED.has(rotation.error.code)) notes.push(`The ${label(kind)} key's policy does not let the platform read its rotation status (statement ${STATEMENT_IDS.preflight}).`);
  else if (rotation.error.temporary) return { ...finding, preflight: "failed", error: rotation.error };
  return finding;
}

async function checkS3Path(run: CheckRun, deps: CheckDeps, target: CheckTarget): Promise<PathFinding> {
  const bucket = bucketName(deps.resourcePrefix, target.environmentId, "data");
  const body = JSON.stringify({ environmentId: target.environmentId, purpose: CANARY_PURPOSE, writtenAt: deps.now().toISOString(), nonce: randomUUID() });
  const put = await run.call("s3", "PutObject", () =>
    deps.aws.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: CANARY_OBJECT_KEY,
        Body: body,
        ContentType: "application/json",
        // Explicit key, no S3 Bucket Key: every check asks KMS for a fresh data key, so a key
        // disabled a minute ago fails this check rather than a later one.
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: target.s3KeyArn,
        BucketKeyEnabled: false,
        SSEKMSEncryptionContext: Buffer.from(JSON.stringify(canaryEncryptionContext(target))).toString("base64"),
      }),
    ),
    { keyArn: target.s3KeyArn, encryptionContext: canaryEncryptionContext(target) },
  );
  if (!put.ok) return { path: "s3", ok: false, detail: `Writing the canary object to bucket ${bucket} with the S3 key failed (${put.error.code}).`, error: put.error };
  const get = await run.call("s3", "GetObject", async () => {
    const out = await deps.aws.s3.send(new GetObjectCommand({ Bucket: bucket, Key: CANARY_OBJECT_KEY }));
    return { text: (await out.Body?.transformToString("utf8")) ?? "", keyArn: out.SSEKMSKeyId, $metadata: out.$metadata };
  }, { keyArn: target.s3KeyArn, encryptionContext: canaryEncryptionContext(target) });
  if (!get.ok) return { path: "s3", ok: false, detail: `Reading the canary object back from bucket ${bucket} failed (${get.error.code}).`, error: get.error };
  if (get.value.text !== body) {
    // Another check of the same environment may have overwritten it in between: not the customer's doing.
    return {
      path: "s3",
      ok: false,
      detail: `The canary object read back from bucket ${bucket} was not the one just written.`,
      error: { service: "s3", operation: "GetObject", code: "CanaryMismatch", message: "The canary object read back differs from the one written.", requestId: null, temporary: true },
    };
  }
  return { path: "s3", ok: true, detail: `Wrote the canary object to bucket ${bucket} encrypted with the S3 key and read it back.` };
}

/**
 * Role mode's S3 path: the customer's key unwraps the environment's data key through the role
 * (the one use of the key the environment depends on), and the canary goes through S3 with SSE-C
 * under that data key and is read back.
 */
async function checkRoleS3Path(run: CheckRun, deps: CheckDeps, target: CheckTarget, role: NonNullable<CheckTarget["role"]>, kms: KMSClient): Promise<PathFinding> {
  const context = dataKeyContextOf(target);
  const opened = await run.call("kms", "Decrypt", () => kms.send(new DecryptCommand({ CiphertextBlob: role.wrappedDataKey, KeyId: target.s3KeyArn, EncryptionContext: context })), { keyArn: target.s3KeyArn, encryptionContext: context });
  if (!opened.ok) return { path: "s3", ok: false, detail: `Unwrapping the environment's data key with your key, through your role, failed (${opened.error.code}).`, error: opened.error };
  const plaintext = opened.value.Plaintext;
  if (!plaintext || plaintext.length !== 32) {
    const error: HealthAwsError = { service: "kms", operation: "Decrypt", code: "MalformedResponse", message: "KMS answered without a usable data key.", requestId: opened.value.$metadata.requestId ?? null, temporary: true };
    return { path: "s3", ok: false, detail: "AWS KMS gave back no usable data key.", error };
  }
  const sse = { SSECustomerAlgorithm: "AES256", SSECustomerKey: Buffer.from(plaintext).toString("base64") };
  plaintext.fill(0);
  const bucket = bucketName(deps.resourcePrefix, target.environmentId, "data");
  const body = JSON.stringify({ environmentId: target.environmentId, purpose: CANARY_PURPOSE, writtenAt: deps.now().toISOString(), nonce: randomUUID() });
  const put = await run.call("s3", "PutObject", () => deps.aws.s3.send(new PutObjectCommand({ Bucket: bucket, Key: CANARY_OBJECT_KEY, Body: body, ContentType: "application/json", ...sse })));
  if (!put.ok) return { path: "s3", ok: false, detail: `Writing the canary object to bucket ${bucket} with the data key failed (${put.error.code}).`, error: put.error };
  const get = await run.call("s3", "GetObject", async () => (await (await deps.aws.s3.send(new GetObjectCommand({ Bucket: bucket, Key: CANARY_OBJECT_KEY, ...sse }))).Body?.transformToString("utf8")) ?? "");
  if (!get.ok) return { path: "s3", ok: false, detail: `Reading the canary object back from bucket ${bucket} failed (${get.error.code}).`, error: get.error };
  if (get.value !== body) {
    return {
      path: "s3",
      ok: false,
      detail: `The canary object read back from bucket ${bucket} was not the one just written.`,
      error: { service: "s3", operation: "GetObject", code: "CanaryMismatch", message: "The canary object read back differs from the one written.", requestId: null, temporary: true },
    };
  }
  return { path: "s3", ok: true, detail: `Unwrapped the environment's data key with your key through your role, wrote the canary object to bucket ${bucket} with it and read it back.` };
}

/** The data key's encryption context, as provisioning made it (lib/provisioning/data-key.ts). */
function dataKeyContextOf(target: CheckTarget): Record<string, string> {
  return dataKeyContext({ organizationSlug: target.tenant, id: target.environmentId });
}

async function checkRdsPath(run: CheckRun, deps: CheckDeps, target: CheckTarget, keyUsable: boolean): Promise<PathFinding> {
  const identifier = clusterIdentifier(deps.resourcePrefix, target.environmentId);
  const described = await run.call("rds", "DescribeDBClusters", () => deps.aws.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifier })));
  if (!described.ok) return { path: "rds", ok: false, detail: `Reading the state of database cluster ${identifier} failed (${described.error.code}).`, error: described.error };
  const clusterStatus = described.value.DBClusters?.[0]?.Status;
  if (!clusterStatus) {
    const error: HealthAwsError = { service: "rds", operation: "DescribeDBClusters", code: "MalformedResponse", message: "RDS answered without the cluster's status.", requestId: described.value.$metadata.requestId ?? null, temporary: true };
    return { path: "rds", ok: false, detail: `RDS did not say what state database cluster ${identifier} is in.`, error };
  }
  if (clusterStatus === "inaccessible-encryption-credentials-recoverable" && keyUsable) {
    // RDS User Guide, "Encrypting Amazon Aurora resources": once the key is usable again, starting the cluster recovers it.
    const started = await run.call("rds", "StartDBCluster", () => deps.aws.rds.send(new StartDBClusterCommand({ DBClusterIdentifier: identifier })));
    if (started.ok) {
      return { path: "rds", ok: true, clusterStatus, recoveryStarted: true, detail: `Database cluster ${identifier} had lost access to its key; the key is usable again, so the platform started the cluster to recover it.` };
    }
    return { path: "rds", ok: false, clusterStatus, detail: `Database cluster ${identifier} lost access to its key; starting it again failed (${started.error.code}).`, error: started.error };
  }
  if (clusterStatus === "inaccessible-encryption-credentials" || clusterStatus === "inaccessible-encryption-credentials-recoverable") {
    return { path: "rds", ok: false, clusterStatus, detail: `Database cluster ${identifier} cannot use its key (${clusterStatus}).` };
  }
  return { path: "rds", ok: true, clusterStatus, detail: `Database cluster ${identifier} is ${clusterStatus}.` };
}

function label(kind: KeyKind): string {
  return kind === "s3" ? "S3" : "RDS";
}

export async function checkEnvironmentKeys(target: CheckTarget, deps: CheckDeps): Promise<CheckOutcome> {
  const run = new CheckRun(deps);
  const notes: string[] = [];
  try {
    await deps.openSession();
  } catch (error) {
    // The platform could not open its own session: a platform problem, never the customer's.
    const info = normalizeAwsError(error, "sts");
    const stsError: HealthAwsError = { service: "sts", operation: "AssumeRole", code: info.code, message: info.message, requestId: info.requestId, temporary: true };
    notes.push("The platform could not open its session for this environment (STS AssumeRole); the keys were not checked.");
    const skipped = (path: "s3" | "rds"): PathFinding => ({ path, ok: false, detail: "Not checked: the platform's session could not be opened.", error: stsError });
    return {
      findings: { keys: [], paths: [skipped("s3"), skipped("rds")], notes },
      throttled: isThrottlingCode(info.code),
      calls: { "sts:AssumeRole": 1 },
      recoveryStarted: false,
      keyUses: [],
    };
  }
  let keys: KeyFinding[];
  let s3Path: PathFinding;
  let keyUsable: boolean;
  if (target.role && deps.roleKms) {
    // Role mode: one key, reached through the customer's role; the database uses AWS's key.
    const roleKms = deps.roleKms;
    const [s3Key, path] = await Promise.all([checkKey(run, { ...deps, aws: { ...deps.aws, kms: roleKms } }, "s3", target.s3KeyArn, notes), checkRoleS3Path(run, deps, target, target.role, roleKms)]);
    keys = [s3Key];
    s3Path = path;
    keyUsable = path.ok;
  } else {
    if (!target.rdsKeyArn) throw new Error(`Environment ${target.environmentId} has no RDS key to check.`);
    const [s3Key, rdsKey, path] = await Promise.all([checkKey(run, deps, "s3", target.s3KeyArn, notes), checkKey(run, deps, "rds", target.rdsKeyArn, notes), checkS3Path(run, deps, target)]);
    keys = [s3Key, rdsKey];
    s3Path = path;
    keyUsable = rdsKey.keyState === "Enabled" && path.ok;
  }
  const rdsPath = await checkRdsPath(run, deps, target, keyUsable);
  if (rdsPath.recoveryStarted) notes.push("The database cluster is being started again after its key became usable; it is back within minutes.");
  for (const key of keys) {
    if (key.keyState === "PendingDeletion" && key.deletionDate) notes.push(`The ${label(key.kind)} key is scheduled for deletion on ${key.deletionDate}.`);
  }
  return {
    findings: { keys, paths: [s3Path, rdsPath], notes },
    throttled: run.throttled,
    calls: run.calls,
    recoveryStarted: rdsPath.recoveryStarted === true,
    keyUses: run.keyUses,
  };
}
