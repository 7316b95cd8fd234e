/**
 * Enforcement matrix: keys carrying the BYOK core's rendered key policies; the platform's
 * S3 and RDS calls succeed with them and fail, with the AWS error of each case, when a
 * statement is removed or one of its conditions no longer holds.
 */
import { CreateKeyCommand, DisableKeyCommand, ScheduleKeyDeletionCommand } from "@aws-sdk/client-kms";
import { CreateDBClusterCommand } from "@aws-sdk/client-rds";
import { CreateBucketCommand, GetObjectCommand, PutBucketEncryptionCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { type KeyPolicyDocument, keyPolicy } from "@/lib/byok/policies";
import type { RunningSandbox } from "./server";
import { type ClientSet, awsError, clientsFor, platformSession, sandboxJson, startTestSandbox } from "./test-support";
import type { TrailEvent } from "./world";

const REGION = "eu-west-1";
const PLATFORM_ACCOUNT = "210987654321";
const CUSTOMER_ACCOUNT = "123456789012";
const OTHER_ACCOUNT = "444455556666";
const PREFIX = "stratus-0f3c6b2e";
const OTHER_PREFIX = "stratus-9a8b7c6d";
const ENVIRONMENT_ID = "0f3c6b2e-8d1a-4c5e-9b7f-2a6d8e4c1f90";
const OTHER_ENVIRONMENT_ID = "9a8b7c6d-1e2f-4a3b-8c4d-5e6f7a8b9c0d";
const SESSION_ARN = `arn:aws:sts::${PLATFORM_ACCOUNT}:assumed-role/byok-platform/byok-env-${ENVIRONMENT_ID}`;

const context = {
  partition: "aws",
  region: REGION,
  platformAccountId: PLATFORM_ACCOUNT,
  platformRoleArn: `arn:aws:iam::${PLATFORM_ACCOUNT}:role/byok-platform`,
  environmentId: ENVIRONMENT_ID,
  bucketNamePrefix: PREFIX,
};

type Mutation = (policy: KeyPolicyDocument) => void;

function policyFor(kind: "s3" | "rds", customerAccountId: string, mutate?: Mutation, bucketNamePrefix = PREFIX): string {
  const policy = structuredClone(keyPolicy(kind, { ...context, bucketNamePrefix, customerAccountId }));
  mutate?.(policy);
  return JSON.stringify(policy);
}

function removeStatement(sid: string): Mutation {
  return (policy) => {
    policy.Statement = policy.Statement.filter((s) => s.Sid !== sid);
  };
}

function setCondition(sid: string, operator: "StringEquals" | "StringLike" | "Bool", key: string, value: string | string[]): Mutation {
  return (policy) => {
    const statement = policy.Statement.find((s) => s.Sid === sid);
    if (!statement?.Condition?.[operator]) throw new Error(`fixture: ${sid} has no ${operator}`);
    statement.Condition[operator][key] = value;
  };
}

let sandbox: RunningSandbox;
let customer: ClientSet;
let other: ClientSet;
let platform: ClientSet;
let counter = 0;

beforeAll(async () => {
  sandbox = await startTestSandbox({ rdsCreateDelayMs: 10 });
  customer = clientsFor(sandbox.url, "customer", REGION);
  other = clientsFor(sandbox.url, "other-customer", REGION);
  platform = await platformSession(sandbox.url, ENVIRONMENT_ID, REGION);
});
afterAll(async () => sandbox.close());
beforeEach(() => sandbox.reset());

async function customerKey(kind: "s3" | "rds", mutate?: Mutation, clients: ClientSet = customer, account = CUSTOMER_ACCOUNT, prefix = PREFIX): Promise<string> {
  const out = await clients.kms.send(new CreateKeyCommand({ Policy: policyFor(kind, account, mutate, prefix), Description: `${kind} key` }));
  const arn = out.KeyMetadata?.Arn;
  if (!arn) throw new Error("no key ARN");
  return arn;
}

/** The platform's provisioning path for S3: a tenant bucket with SSE-KMS default encryption, then the first object. */
async function platformWritesAndReads(keyArn: string, bucketPrefix = PREFIX, session: ClientSet = platform): Promise<string> {
  const platform = session;
  counter += 1;
  const bucket = `${bucketPrefix}-data${counter}`;
  await platform.s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }));
  await platform.s3.send(
    new PutBucketEncryptionCommand({
      Bucket: bucket,
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: keyArn }, BucketKeyEnabled: true }] },
    }),
  );
  await platform.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "first/object.json", Body: '{"hello":"world"}' }));
  const got = await platform.s3.send(new GetObjectCommand({ Bucket: bucket, Key: "first/object.json" }));
  return (await got.Body?.transformToString()) ?? "";
}

async function platformCreatesCluster(keyArn: string, session: ClientSet = platform): Promise<string | undefined> {
  const platform = session;
  counter += 1;
  const out = await platform.rds.send(
    new CreateDBClusterCommand({
      DBClusterIdentifier: `tenant-db-${counter}`,
      Engine: "aurora-postgresql",
      MasterUsername: "app",
      ManageMasterUserPassword: true,
      StorageEncrypted: true,
      KmsKeyId: keyArn,
    }),
  );
  return out.DBCluster?.Status;
}

describe("with the rendered key policies", () => {
  test("the platform's S3 write/read and Aurora cluster succeed, through the services", async () => {
    const s3Key = await customerKey("s3");
    const rdsKey = await customerKey("rds");
    expect(await platformWritesAndReads(s3Key)).toBe('{"hello":"world"}');
    expect(await platformCreatesCluster(rdsKey)).toBe("creating");

    const { events } = await sandboxJson<{ events: TrailEvent[] }>(sandbox.url, "/_sandbox/trail");
    const generate = events.find((e) => e.action === "GenerateDataKey" && e.keyArn === s3Key);
    expect(generate).toMatchObject({
      principal: SESSION_ARN,
      viaService: `s3.${REGION}.amazonaws.com`,
      result: "allowed",
    });
    expect(generate?.encryptionContext?.["aws:s3:arn"]).toMatch(new RegExp(`^arn:aws:s3:::${PREFIX}-data\\d+$`));
    const grant = events.find((e) => e.action === "CreateGrant" && e.keyArn === rdsKey);
    expect(grant).toMatchObject({ viaService: `rds.${REGION}.amazonaws.com`, result: "allowed" });
  });
});

const s3Denials: Array<[string, Mutation]> = [
  ["the S3 use statement is removed", removeStatement("AllowPlatformS3Use")],
  ["kms:ViaService names another region", setCondition("AllowPlatformS3Use", "StringEquals", "kms:ViaService", "s3.us-east-1.amazonaws.com")],
  ["kms:ViaService names another service", setCondition("AllowPlatformS3Use", "StringEquals", "kms:ViaService", "sqs.eu-west-1.amazonaws.com")],
  ["aws:PrincipalAccount names another account", setCondition("AllowPlatformS3Use", "StringEquals", "aws:PrincipalAccount", OTHER_ACCOUNT)],
  ["the environment tag names another environment", setCondition("AllowPlatformS3Use", "StringEquals", "aws:PrincipalTag/byok-environment", OTHER_ENVIRONMENT_ID)],
  ["the bucket condition names another environment", setCondition("AllowPlatformS3Use", "StringLike", "kms:EncryptionContext:aws:s3:arn", [`arn:aws:s3:::${OTHER_PREFIX}-*`, `arn:aws:s3:::${OTHER_PREFIX}-*/*`])],
];

describe("S3 key refusals come back as S3's AccessDenied carrying the KMS message", () => {
  test.each(s3Denials)("%s", async (_label, mutate) => {
    const s3Key = await customerKey("s3", mutate);
    const error = await awsError(() => platformWritesAndReads(s3Key));
    expect(error.name).toBe("AccessDenied");
    expect(error.status).toBe(403);
    expect(error.message).toBe(
      `User: ${SESSION_ARN} is not authorized to perform: kms:GenerateDataKey on resource: ${s3Key} because no resource-based policy allows the kms:GenerateDataKey action`,
    );
  });

  test("a bucket outside the tenant's prefix is refused (the key is pinned to its environment)", async () => {
    const s3Key = await customerKey("s3");
    const error = await awsError(() => platformWritesAndReads(s3Key, OTHER_PREFIX));
    expect(error.name).toBe("AccessDenied");
    expect(error.message).toContain("kms:GenerateDataKey");
  });

  test("another tenant's key, pasted for this tenant's bucket, is refused", async () => {
    // The other customer rendered the statements for their own environment and account.
    const foreignKey = await customerKey("s3", undefined, other, OTHER_ACCOUNT, OTHER_PREFIX);
    const error = await awsError(() => platformWritesAndReads(foreignKey, PREFIX));
    expect(error.name).toBe("AccessDenied");
    expect(error.message).toContain(foreignKey);
  });

  test("a disabled key fails with KMS.DisabledException", async () => {
    const s3Key = await customerKey("s3");
    await customer.kms.send(new DisableKeyCommand({ KeyId: s3Key }));
    const error = await awsError(() => platformWritesAndReads(s3Key));
    expect(error.name).toBe("KMS.DisabledException");
    expect(error.message).toBe(`${s3Key} is disabled.`);
  });

  test("a key pending deletion fails with KMS.KMSInvalidStateException", async () => {
    const s3Key = await customerKey("s3");
    await customer.kms.send(new ScheduleKeyDeletionCommand({ KeyId: s3Key, PendingWindowInDays: 7 }));
    const error = await awsError(() => platformWritesAndReads(s3Key));
    expect(error.name).toBe("KMS.KMSInvalidStateException");
    expect(error.message).toBe(`${s3Key} is pending deletion.`);
  });

  test("a key in another region is not found", async () => {
    const usKey = await clientsFor(sandbox.url, "customer", "us-east-1").kms.send(new CreateKeyCommand({ Policy: policyFor("s3", CUSTOMER_ACCOUNT) }));
    const error = await awsError(() => platformWritesAndReads(usKey.KeyMetadata?.Arn ?? ""));
    expect(error.name).toBe("KMS.NotFoundException");
  });
});

const rdsDenials: Array<[string, Mutation]> = [
  // The read-only preflight statement allows DescribeKey too: RDS fails only without both.
  ["both statements that allow DescribeKey are removed", (policy) => {
    removeStatement("AllowPlatformRdsDescribeKey")(policy);
    removeStatement("AllowPlatformKeyPreflight")(policy);
  }],
  ["the grants statement is removed", removeStatement("AllowPlatformRdsGrants")],
  ["the grant flag is false", setCondition("AllowPlatformRdsGrants", "Bool", "kms:GrantIsForAWSResource", "false")],
  ["kms:ViaService names another region", setCondition("AllowPlatformRdsGrants", "StringEquals", "kms:ViaService", "rds.us-east-1.amazonaws.com")],
  ["aws:PrincipalAccount names another account", setCondition("AllowPlatformRdsGrants", "StringEquals", "aws:PrincipalAccount", OTHER_ACCOUNT)],
  ["the grants statement names another environment", setCondition("AllowPlatformRdsGrants", "StringEquals", "aws:PrincipalTag/byok-environment", OTHER_ENVIRONMENT_ID)],
];

describe("RDS refusals come back as KMSKeyNotAccessibleFault", () => {
  test.each(rdsDenials)("%s", async (_label, mutate) => {
    const rdsKey = await customerKey("rds", mutate);
    const error = await awsError(() => platformCreatesCluster(rdsKey));
    expect(error.name).toBe("KMSKeyNotAccessibleFault");
    expect(error.message).toBe(`The specified KMS key [${rdsKey}] does not exist, is not enabled or you do not have permissions to access it.`);
  });

  test("a disabled key and a key pending deletion are not accessible", async () => {
    const disabled = await customerKey("rds");
    await customer.kms.send(new DisableKeyCommand({ KeyId: disabled }));
    expect((await awsError(() => platformCreatesCluster(disabled))).name).toBe("KMSKeyNotAccessibleFault");
    const pending = await customerKey("rds");
    await customer.kms.send(new ScheduleKeyDeletionCommand({ KeyId: pending, PendingWindowInDays: 30 }));
    expect((await awsError(() => platformCreatesCluster(pending))).name).toBe("KMSKeyNotAccessibleFault");
  });

  test("the S3 key cannot stand in for the RDS key (its statements only allow S3)", async () => {
    const s3Key = await customerKey("s3");
    expect((await awsError(() => platformCreatesCluster(s3Key))).name).toBe("KMSKeyNotAccessibleFault");
  });
});

describe("the environment pin: only a session tagged with the key's environment may use it", () => {
  test("another environment's session and an untagged session are refused on both keys, through S3 and RDS", async () => {
    const s3Key = await customerKey("s3");
    const rdsKey = await customerKey("rds");
    const otherEnvironment = await platformSession(sandbox.url, OTHER_ENVIRONMENT_ID, REGION);
    const untagged = await platformSession(sandbox.url, ENVIRONMENT_ID, REGION, {});
    for (const session of [otherEnvironment, untagged]) {
      expect((await awsError(() => platformWritesAndReads(s3Key, PREFIX, session))).name).toBe("AccessDenied");
      expect((await awsError(() => platformCreatesCluster(rdsKey, session))).name).toBe("KMSKeyNotAccessibleFault");
    }
    const { events } = await sandboxJson<{ events: TrailEvent[] }>(sandbox.url, "/_sandbox/trail");
    const onTheKeys = events.filter((e) => e.keyArn === s3Key || e.keyArn === rdsKey);
    expect(onTheKeys.length).toBeGreaterThan(0);
    expect(onTheKeys.filter((e) => e.result === "allowed" && e.action !== "CreateKey")).toEqual([]);
    // The same keys work for their own environment's session.
    expect(await platformWritesAndReads(s3Key)).toBe('{"hello":"world"}');
    expect(await platformCreatesCluster(rdsKey)).toBe("creating");
  });

  test("the portal's base identity can use no key at all, only open sessions", async () => {
    const s3Key = await customerKey("s3");
    const base = clientsFor(sandbox.url, "platform", REGION);
    expect((await awsError(() => platformWritesAndReads(s3Key, PREFIX, base))).name).toBe("AccessDenied");
  });
});
