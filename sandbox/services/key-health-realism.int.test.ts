/**
 * What a key-health check meets when a customer takes a key away, through the real SDK clients:
 * an Aurora cluster turning `inaccessible-encryption-credentials-recoverable` and coming back
 * only through StartDBCluster, and S3 reads of SSE-KMS objects failing with the KMS error
 * behind them. Keys carry the policies the BYOK core renders; the platform acts through its
 * session tagged for the environment. The sandbox runs on a clock the tests move, so nothing
 * here waits on the wall clock.
 */
import { randomUUID } from "node:crypto";
import {
  CancelKeyDeletionCommand, CreateKeyCommand, DescribeKeyCommand, DisableKeyCommand, EnableKeyCommand, ListGrantsCommand, PutKeyPolicyCommand,
  RevokeGrantCommand, ScheduleKeyDeletionCommand,
} from "@aws-sdk/client-kms";
import { CreateDBClusterCommand, DescribeDBClustersCommand, StartDBClusterCommand } from "@aws-sdk/client-rds";
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, PutBucketEncryptionCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { type KeyKind, type PolicyContext, STATEMENT_IDS, keyPolicy } from "../../lib/byok/policies";
import { CUSTOMER_ACCOUNT_ID, PLATFORM_ACCOUNT_ID, PLATFORM_ROLE_ARN } from "../identities";
import type { RunningSandbox } from "../server";
import { type ClientSet, awsError, clientsFor, platformSession, sandboxJson, startTestSandbox } from "../test-support";
import type { TrailEvent } from "../world";

const REGION = "us-east-1";
const RDS_DELAY_MS = 1_000;
const KEY_LOSS_DELAY_MS = 2_000;
const DAY_MS = 86_400_000;
const RECOVERABLE = "inaccessible-encryption-credentials-recoverable";

let clockMs = Date.now();
let sandbox: RunningSandbox;
let customer: ClientSet;

function advance(ms: number): void {
  clockMs += ms;
}

beforeAll(async () => {
  sandbox = await startTestSandbox({ rdsCreateDelayMs: RDS_DELAY_MS, rdsKeyLossDelayMs: KEY_LOSS_DELAY_MS, now: () => new Date(clockMs) });
  customer = clientsFor(sandbox.url, "customer", REGION);
});
afterAll(async () => sandbox.close());
beforeEach(() => sandbox.reset());

interface Environment {
  environmentId: string;
  bucket: string;
  clusterId: string;
  s3KeyArn: string;
  rdsKeyArn: string;
  policyContext: PolicyContext & { customerAccountId: string };
  platform: ClientSet;
}

/** A Ready environment as provisioning leaves it: the customer's two keys, the platform's bucket and available cluster. */
async function readyEnvironment(): Promise<Environment> {
  const environmentId = randomUUID();
  const bucketNamePrefix = `kh-${environmentId}`;
  const policyContext = {
    partition: "aws",
    region: REGION,
    platformAccountId: PLATFORM_ACCOUNT_ID,
    platformRoleArn: PLATFORM_ROLE_ARN,
    environmentId,
    bucketNamePrefix,
    customerAccountId: CUSTOMER_ACCOUNT_ID,
  };
  const newKey = async (kind: KeyKind) =>
    (await customer.kms.send(new CreateKeyCommand({ Policy: JSON.stringify(keyPolicy(kind, policyContext)) }))).KeyMetadata?.Arn ?? "";
  const s3KeyArn = await newKey("s3");
  const rdsKeyArn = await newKey("rds");
  const platform = await platformSession(sandbox.url, environmentId, REGION);
  const bucket = `${bucketNamePrefix}-data`;
  await platform.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await platform.s3.send(
    new PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: s3KeyArn } }] } }),
  );
  const clusterId = `kh-${environmentId}`;
  await platform.rds.send(
    new CreateDBClusterCommand({ DBClusterIdentifier: clusterId, Engine: "aurora-postgresql", MasterUsername: "app", ManageMasterUserPassword: true, StorageEncrypted: true, KmsKeyId: rdsKeyArn }),
  );
  advance(RDS_DELAY_MS);
  return { environmentId, bucket, clusterId, s3KeyArn, rdsKeyArn, policyContext, platform };
}

async function clusterStatus(env: Environment, platform = env.platform): Promise<string | undefined> {
  return (await platform.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: env.clusterId }))).DBClusters?.[0]?.Status;
}

function startCluster(env: Environment, platform = env.platform) {
  return platform.rds.send(new StartDBClusterCommand({ DBClusterIdentifier: env.clusterId }));
}

/** The key-health canary: SSE-KMS under the S3 key, with the context naming tenant, environment and purpose. */
function canaryContext(env: Environment): Record<string, string> {
  return { tenant: "acme", environment: env.environmentId, purpose: "key-health-canary" };
}

function putCanary(env: Environment, platform = env.platform) {
  return platform.s3.send(
    new PutObjectCommand({
      Bucket: env.bucket,
      Key: "key-health/canary",
      Body: "canary",
      ServerSideEncryption: "aws:kms",
      SSEKMSKeyId: env.s3KeyArn,
      SSEKMSEncryptionContext: Buffer.from(JSON.stringify(canaryContext(env))).toString("base64"),
    }),
  );
}

async function readCanary(env: Environment, platform = env.platform): Promise<string | undefined> {
  return (await platform.s3.send(new GetObjectCommand({ Bucket: env.bucket, Key: "key-health/canary" }))).Body?.transformToString();
}

describe("Aurora loses its key", () => {
  test("disabled: inaccessible once the delay has run from the key's state change; enabled: still inaccessible until StartDBCluster, then starting, then available", async () => {
    const env = await readyEnvironment();
    expect(await clusterStatus(env)).toBe("available");
    await customer.kms.send(new DisableKeyCommand({ KeyId: env.rdsKeyArn }));
    advance(KEY_LOSS_DELAY_MS - 1);
    expect(await clusterStatus(env)).toBe("available");
    advance(1);
    expect(await clusterStatus(env)).toBe(RECOVERABLE);

    const refused = await awsError(() => startCluster(env));
    expect(refused).toMatchObject({ name: "KMSKeyNotAccessibleFault", status: 400 });
    expect(refused.message).toBe(`The specified KMS key [${env.rdsKeyArn}] does not exist, is not enabled or you do not have permissions to access it.`);

    await customer.kms.send(new EnableKeyCommand({ KeyId: env.rdsKeyArn }));
    advance(10 * KEY_LOSS_DELAY_MS);
    expect(await clusterStatus(env)).toBe(RECOVERABLE);
    expect((await startCluster(env)).DBCluster?.Status).toBe("starting");
    advance(RDS_DELAY_MS - 1);
    expect(await clusterStatus(env)).toBe("starting");
    advance(1);
    expect(await clusterStatus(env)).toBe("available");
    expect(await awsError(() => startCluster(env))).toMatchObject({ name: "InvalidDBClusterStateFault", status: 400 });
  });

  test("an outage shorter than the delay leaves the cluster available", async () => {
    const env = await readyEnvironment();
    await customer.kms.send(new DisableKeyCommand({ KeyId: env.rdsKeyArn }));
    advance(KEY_LOSS_DELAY_MS / 2);
    expect(await clusterStatus(env)).toBe("available");
    await customer.kms.send(new EnableKeyCommand({ KeyId: env.rdsKeyArn }));
    advance(KEY_LOSS_DELAY_MS);
    expect(await clusterStatus(env)).toBe("available");
    // Disabled again later: the delay counts from the new change, not the old outage.
    await customer.kms.send(new DisableKeyCommand({ KeyId: env.rdsKeyArn }));
    advance(KEY_LOSS_DELAY_MS - 1);
    expect(await clusterStatus(env)).toBe("available");
    advance(1);
    expect(await clusterStatus(env)).toBe(RECOVERABLE);
  });

  test("pending deletion: inaccessible; cancelling leaves the key disabled, so starting still fails until it is enabled", async () => {
    const env = await readyEnvironment();
    await customer.kms.send(new ScheduleKeyDeletionCommand({ KeyId: env.rdsKeyArn, PendingWindowInDays: 7 }));
    advance(KEY_LOSS_DELAY_MS);
    expect(await clusterStatus(env)).toBe(RECOVERABLE);
    expect((await awsError(() => startCluster(env))).name).toBe("KMSKeyNotAccessibleFault");
    await customer.kms.send(new CancelKeyDeletionCommand({ KeyId: env.rdsKeyArn }));
    expect((await awsError(() => startCluster(env))).name).toBe("KMSKeyNotAccessibleFault");
    await customer.kms.send(new EnableKeyCommand({ KeyId: env.rdsKeyArn }));
    expect((await startCluster(env)).DBCluster?.Status).toBe("starting");
    advance(RDS_DELAY_MS);
    expect(await clusterStatus(env)).toBe("available");
  });

  test("RDS's grant revoked: inaccessible from the first call that sees it; StartDBCluster makes RDS a new grant", async () => {
    const env = await readyEnvironment();
    const grants = await customer.kms.send(new ListGrantsCommand({ KeyId: env.rdsKeyArn }));
    expect(grants.Grants).toHaveLength(1);
    await customer.kms.send(new RevokeGrantCommand({ KeyId: env.rdsKeyArn, GrantId: grants.Grants?.[0]?.GrantId }));
    expect(await clusterStatus(env)).toBe("available");
    advance(KEY_LOSS_DELAY_MS);
    expect(await clusterStatus(env)).toBe(RECOVERABLE);
    expect((await startCluster(env)).DBCluster?.Status).toBe("starting");
    const regranted = await customer.kms.send(new ListGrantsCommand({ KeyId: env.rdsKeyArn }));
    expect(regranted.Grants).toMatchObject([{ GranteePrincipal: `rds.${REGION}.amazonaws.com`, Constraints: { EncryptionContextSubset: { "aws:rds:db-id": env.clusterId } } }]);
    advance(RDS_DELAY_MS);
    expect(await clusterStatus(env)).toBe("available");
    // The new grant is the cluster's: the key stays in use.
    advance(10 * KEY_LOSS_DELAY_MS);
    expect(await clusterStatus(env)).toBe("available");
  });

  test("deleted: seven days after turning inaccessible the cluster is terminal and cannot be started", async () => {
    const env = await readyEnvironment();
    await customer.kms.send(new ScheduleKeyDeletionCommand({ KeyId: env.rdsKeyArn, PendingWindowInDays: 7 }));
    advance(KEY_LOSS_DELAY_MS);
    expect(await clusterStatus(env)).toBe(RECOVERABLE);
    advance(7 * DAY_MS - 1);
    // Sessions last an hour: a week on, the platform opens a new one.
    const platform = await platformSession(sandbox.url, env.environmentId, REGION);
    expect((await awsError(() => customer.kms.send(new DescribeKeyCommand({ KeyId: env.rdsKeyArn })))).name).toBe("NotFoundException");
    expect(await clusterStatus(env, platform)).toBe(RECOVERABLE);
    advance(1);
    expect(await clusterStatus(env, platform)).toBe("inaccessible-encryption-credentials");
    expect(await awsError(() => startCluster(env, platform))).toMatchObject({ name: "InvalidDBClusterStateFault", status: 400 });
  });

  test("the S3 key's state does not touch the cluster", async () => {
    const env = await readyEnvironment();
    await customer.kms.send(new DisableKeyCommand({ KeyId: env.s3KeyArn }));
    advance(10 * KEY_LOSS_DELAY_MS);
    expect(await clusterStatus(env)).toBe("available");
  });
});

describe("S3 reads of SSE-KMS objects", () => {
  test("the canary's encryption context: merged with aws:s3:arn, answered on PutObject, passed to Decrypt on GetObject; DeleteObject removes it", async () => {
    const env = await readyEnvironment();
    const merged = { ...canaryContext(env), "aws:s3:arn": `arn:aws:s3:::${env.bucket}/key-health/canary` };
    const put = await putCanary(env);
    expect(put).toMatchObject({ ServerSideEncryption: "aws:kms", SSEKMSKeyId: env.s3KeyArn });
    expect(JSON.parse(Buffer.from(put.SSEKMSEncryptionContext ?? "", "base64").toString("utf8"))).toEqual(merged);
    expect(await readCanary(env)).toBe("canary");

    const { events } = await sandboxJson<{ events: TrailEvent[] }>(sandbox.url, `/_sandbox/trail?keyArn=${encodeURIComponent(env.s3KeyArn)}`);
    const uses = events.filter((e) => e.action === "GenerateDataKey" || e.action === "Decrypt");
    expect(uses.map((e) => e.action)).toEqual(["GenerateDataKey", "Decrypt"]);
    for (const use of uses) {
      expect(use).toMatchObject({ result: "allowed", viaService: `s3.${REGION}.amazonaws.com`, encryptionContext: merged });
      expect(use.principal).toMatch(/^arn:aws:sts::210987654321:assumed-role\/byok-platform\//);
    }

    await env.platform.s3.send(new DeleteObjectCommand({ Bucket: env.bucket, Key: "key-health/canary" }));
    expect((await awsError(() => readCanary(env))).name).toBe("NoSuchKey");
  });

  test("a context that is not base64 JSON of strings is refused", async () => {
    const env = await readyEnvironment();
    for (const context of [Buffer.from(JSON.stringify({ purpose: 1 })).toString("base64"), Buffer.from("not json").toString("base64")]) {
      const err = await awsError(() => env.platform.s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: "k", Body: "v", ServerSideEncryption: "aws:kms", SSEKMSKeyId: env.s3KeyArn, SSEKMSEncryptionContext: context })));
      expect(err).toMatchObject({ name: "InvalidArgument", status: 400 });
    }
  });

  test("disabled, pending deletion, restored: KMS.DisabledException and KMS.KMSInvalidStateException (400), then readable again", async () => {
    const env = await readyEnvironment();
    await putCanary(env);

    await customer.kms.send(new DisableKeyCommand({ KeyId: env.s3KeyArn }));
    expect(await awsError(() => readCanary(env))).toMatchObject({ name: "KMS.DisabledException", status: 400, message: `${env.s3KeyArn} is disabled.` });
    expect(await awsError(() => putCanary(env))).toMatchObject({ name: "KMS.DisabledException", status: 400 });
    await customer.kms.send(new EnableKeyCommand({ KeyId: env.s3KeyArn }));
    expect(await readCanary(env)).toBe("canary");

    await customer.kms.send(new ScheduleKeyDeletionCommand({ KeyId: env.s3KeyArn, PendingWindowInDays: 7 }));
    expect(await awsError(() => readCanary(env))).toMatchObject({ name: "KMS.KMSInvalidStateException", status: 400, message: `${env.s3KeyArn} is pending deletion.` });
    expect(await awsError(() => putCanary(env))).toMatchObject({ name: "KMS.KMSInvalidStateException", status: 400 });
    await customer.kms.send(new CancelKeyDeletionCommand({ KeyId: env.s3KeyArn }));
    expect((await awsError(() => readCanary(env))).name).toBe("KMS.DisabledException");
    await customer.kms.send(new EnableKeyCommand({ KeyId: env.s3KeyArn }));
    expect(await readCanary(env)).toBe("canary");
  });

  test("the platform's statement removed from the key policy: AccessDenied (403) naming kms:Decrypt", async () => {
    const env = await readyEnvironment();
    await putCanary(env);
    const policy = keyPolicy("s3", env.policyContext);
    const without = { ...policy, Statement: policy.Statement.filter((s) => s.Sid !== STATEMENT_IDS.s3Use) };
    await customer.kms.send(new PutKeyPolicyCommand({ KeyId: env.s3KeyArn, Policy: JSON.stringify(without) }));
    const denied = await awsError(() => readCanary(env));
    expect(denied).toMatchObject({ name: "AccessDenied", status: 403 });
    expect(denied.message).toContain(`is not authorized to perform: kms:Decrypt on resource: ${env.s3KeyArn}`);
    expect(await awsError(() => putCanary(env))).toMatchObject({ name: "AccessDenied", status: 403 });
  });

  test("a session for another environment is refused the key: AccessDenied", async () => {
    const env = await readyEnvironment();
    await putCanary(env);
    const stranger = await platformSession(sandbox.url, randomUUID(), REGION);
    expect(await awsError(() => readCanary(env, stranger))).toMatchObject({ name: "AccessDenied", status: 403 });
  });

  test("deleted: GetObject answers AccessDenied (403) as S3 does when the ciphertext's key is gone; PutObject KMS.NotFoundException (400)", async () => {
    const env = await readyEnvironment();
    await putCanary(env);
    await customer.kms.send(new ScheduleKeyDeletionCommand({ KeyId: env.s3KeyArn, PendingWindowInDays: 7 }));
    advance(7 * DAY_MS);
    const platform = await platformSession(sandbox.url, env.environmentId, REGION);
    expect(await awsError(() => readCanary(env, platform))).toMatchObject({
      name: "AccessDenied",
      status: 403,
      message: "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.",
    });
    expect(await awsError(() => putCanary(env, platform))).toMatchObject({ name: "KMS.NotFoundException", status: 400 });
    await platform.s3.send(new DeleteObjectCommand({ Bucket: env.bucket, Key: "key-health/canary" }));
  });
});
