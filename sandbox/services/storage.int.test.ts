/** S3, RDS and STS through the real SDK clients. */
import { CreateKeyCommand } from "@aws-sdk/client-kms";
import { CreateDBClusterCommand, DeleteDBClusterCommand, DescribeDBClustersCommand } from "@aws-sdk/client-rds";
import {
  CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, GetBucketEncryptionCommand, GetObjectCommand, HeadBucketCommand,
  HeadObjectCommand, ListObjectsV2Command, PutBucketEncryptionCommand, PutObjectCommand, PutPublicAccessBlockCommand,
} from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { RunningSandbox } from "../server";
import { type ClientSet, awsError, clientsFor, sandboxJson, startTestSandbox } from "../test-support";
import type { TrailEvent } from "../world";

let sandbox: RunningSandbox;
let customer: ClientSet;

beforeAll(async () => {
  sandbox = await startTestSandbox({ rdsCreateDelayMs: 150 });
  customer = clientsFor(sandbox.url, "customer");
});
afterAll(async () => sandbox.close());
beforeEach(() => sandbox.reset());

describe("STS", () => {
  test("GetCallerIdentity for each identity; unknown keys refused", async () => {
    expect(await customer.sts.send(new GetCallerIdentityCommand({}))).toMatchObject({ Account: "123456789012", Arn: "arn:aws:iam::123456789012:user/customer-admin" });
    const platform = await clientsFor(sandbox.url, "platform").sts.send(new GetCallerIdentityCommand({}));
    expect(platform).toMatchObject({ Account: "210987654321", Arn: "arn:aws:sts::210987654321:assumed-role/byok-portal/portal" });
    expect((await awsError(() => clientsFor(sandbox.url, "nobody").sts.send(new GetCallerIdentityCommand({})))).name).toBe("InvalidClientTokenId");
  });
});

describe("S3", () => {
  test("buckets: create in a region, head, encryption, public access block, delete", async () => {
    const west = clientsFor(sandbox.url, "customer", "eu-west-1");
    await west.s3.send(new CreateBucketCommand({ Bucket: "acme-data", CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } }));
    expect((await west.s3.send(new HeadBucketCommand({ Bucket: "acme-data" }))).BucketRegion).toBe("eu-west-1");
    expect((await awsError(() => west.s3.send(new CreateBucketCommand({ Bucket: "acme-data", CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } })))).name).toBe("BucketAlreadyOwnedByYou");
    expect((await awsError(() => clientsFor(sandbox.url, "other-customer", "eu-west-1").s3.send(new CreateBucketCommand({ Bucket: "acme-data", CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } })))).name).toBe("BucketAlreadyExists");
    expect((await awsError(() => customer.s3.send(new CreateBucketCommand({ Bucket: "acme-other", CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } })))).name).toBe("IllegalLocationConstraintException");
    expect((await awsError(() => west.s3.send(new CreateBucketCommand({ Bucket: "A_B", CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } })))).name).toBe("InvalidBucketName");
    expect((await west.s3.send(new GetBucketEncryptionCommand({ Bucket: "acme-data" }))).ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe("AES256");
    await west.s3.send(new PutPublicAccessBlockCommand({ Bucket: "acme-data", PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } }));
    await west.s3.send(new PutObjectCommand({ Bucket: "acme-data", Key: "x", Body: "1" }));
    expect((await awsError(() => west.s3.send(new DeleteBucketCommand({ Bucket: "acme-data" })))).name).toBe("BucketNotEmpty");
    await west.s3.send(new DeleteObjectCommand({ Bucket: "acme-data", Key: "x" }));
    await west.s3.send(new DeleteBucketCommand({ Bucket: "acme-data" }));
    expect((await awsError(() => west.s3.send(new HeadBucketCommand({ Bucket: "acme-data" })))).status).toBe(404);
  });

  test("SSE-KMS objects: KMS is called as the caller via S3 with the object ARN as context", async () => {
    const key = await customer.kms.send(new CreateKeyCommand({}));
    const keyArn = key.KeyMetadata?.Arn ?? "";
    await customer.s3.send(new CreateBucketCommand({ Bucket: "acme-objects" }));
    await customer.s3.send(new PutBucketEncryptionCommand({ Bucket: "acme-objects", ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: keyArn } }] } }));
    const enc = await customer.s3.send(new GetBucketEncryptionCommand({ Bucket: "acme-objects" }));
    expect(enc.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID).toBe(keyArn);
    const put = await customer.s3.send(new PutObjectCommand({ Bucket: "acme-objects", Key: "dir/a.txt", Body: "alpha", ContentType: "text/plain", Metadata: { owner: "acme" } }));
    expect(put).toMatchObject({ ServerSideEncryption: "aws:kms", SSEKMSKeyId: keyArn });
    await customer.s3.send(new PutObjectCommand({ Bucket: "acme-objects", Key: "dir/b.txt", Body: "beta", ServerSideEncryption: "AES256" }));
    const got = await customer.s3.send(new GetObjectCommand({ Bucket: "acme-objects", Key: "dir/a.txt" }));
    expect(await got.Body?.transformToString()).toBe("alpha");
    expect(got.Metadata).toEqual({ owner: "acme" });
    const head = await customer.s3.send(new HeadObjectCommand({ Bucket: "acme-objects", Key: "dir/a.txt" }));
    expect(head).toMatchObject({ ContentLength: 5, ContentType: "text/plain", SSEKMSKeyId: keyArn });
    const listed = await customer.s3.send(new ListObjectsV2Command({ Bucket: "acme-objects", Prefix: "dir/", MaxKeys: 1 }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual(["dir/a.txt"]);
    expect(listed.IsTruncated).toBe(true);
    const rest = await customer.s3.send(new ListObjectsV2Command({ Bucket: "acme-objects", Prefix: "dir/", ContinuationToken: listed.NextContinuationToken }));
    expect(rest.Contents?.map((c) => c.Key)).toEqual(["dir/b.txt"]);
    expect((await awsError(() => customer.s3.send(new GetObjectCommand({ Bucket: "acme-objects", Key: "nope" })))).name).toBe("NoSuchKey");
    expect((await awsError(() => customer.s3.send(new GetObjectCommand({ Bucket: "no-such-bucket", Key: "x" })))).name).toBe("NoSuchBucket");
    expect((await awsError(() => clientsFor(sandbox.url, "other-customer").s3.send(new GetObjectCommand({ Bucket: "acme-objects", Key: "dir/a.txt" })))).name).toBe("AccessDenied");

    const { events } = await sandboxJson<{ events: TrailEvent[] }>(sandbox.url, "/_sandbox/trail?action=GenerateDataKey");
    expect(events[0]).toMatchObject({ keyArn, viaService: "s3.us-east-1.amazonaws.com", encryptionContext: { "aws:s3:arn": "arn:aws:s3:::acme-objects/dir/a.txt" } });
    const decrypts = await sandboxJson<{ events: TrailEvent[] }>(sandbox.url, "/_sandbox/trail?action=Decrypt");
    expect(decrypts.events).toHaveLength(1);
  });

  test("aws:kms without a key id uses the account's AWS managed key alias/aws/s3", async () => {
    await customer.s3.send(new CreateBucketCommand({ Bucket: "acme-managed" }));
    const put = await customer.s3.send(new PutObjectCommand({ Bucket: "acme-managed", Key: "k", Body: "v", ServerSideEncryption: "aws:kms" }));
    expect(put.SSEKMSKeyId).toMatch(/^arn:aws:kms:us-east-1:123456789012:key\//);
    expect(await (await customer.s3.send(new GetObjectCommand({ Bucket: "acme-managed", Key: "k" }))).Body?.transformToString()).toBe("v");
  });

  test("unknown access keys get InvalidAccessKeyId", async () => {
    const err = await awsError(() => clientsFor(sandbox.url, "nobody").s3.send(new GetObjectCommand({ Bucket: "acme-managed", Key: "k" })));
    expect(err).toMatchObject({ name: "InvalidAccessKeyId", status: 403 });
  });
});

describe("RDS", () => {
  test("encrypted cluster: creating → available, grant on the key, delete retires it", async () => {
    const key = await customer.kms.send(new CreateKeyCommand({}));
    const keyArn = key.KeyMetadata?.Arn ?? "";
    const created = await customer.rds.send(
      new CreateDBClusterCommand({ DBClusterIdentifier: "acme-db", Engine: "aurora-postgresql", MasterUsername: "app", ManageMasterUserPassword: true, StorageEncrypted: true, KmsKeyId: keyArn, Tags: [{ Key: "tenant", Value: "acme" }] }),
    );
    expect(created.DBCluster).toMatchObject({ Status: "creating", StorageEncrypted: true, KmsKeyId: keyArn, Engine: "aurora-postgresql" });
    expect((await awsError(() => customer.rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: "acme-db", Engine: "aurora-postgresql", MasterUsername: "app", ManageMasterUserPassword: true })))).name).toBe("DBClusterAlreadyExistsFault");
    await new Promise((r) => setTimeout(r, 200));
    const described = await customer.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: "acme-db" }));
    expect(described.DBClusters?.[0]).toMatchObject({ Status: "available", TagList: [{ Key: "tenant", Value: "acme" }] });
    const state = await sandboxJson<{ kms: Record<string, Record<string, { keys: Record<string, { grants: unknown[] }> }>> }>(sandbox.url, "/_sandbox/state");
    const keyId = keyArn.split("/").pop() ?? "";
    expect(state.kms["123456789012"]?.["us-east-1"]?.keys[keyId]?.grants).toHaveLength(1);
    expect((await awsError(() => customer.rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: "acme-db" })))).name).toBe("InvalidParameterCombination");
    const deleting = await customer.rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: "acme-db", SkipFinalSnapshot: true }));
    expect(deleting.DBCluster?.Status).toBe("deleting");
    await new Promise((r) => setTimeout(r, 200));
    expect((await awsError(() => customer.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: "acme-db" })))).name).toBe("DBClusterNotFoundFault");
  });

  test("a missing key, a key in another region and a bad engine are refused", async () => {
    const missing = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000";
    const err = await awsError(() => customer.rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: "db2", Engine: "aurora-mysql", MasterUsername: "app", ManageMasterUserPassword: true, StorageEncrypted: true, KmsKeyId: missing })));
    expect(err).toMatchObject({ name: "KMSKeyNotAccessibleFault", message: `The specified KMS key [${missing}] does not exist, is not enabled or you do not have permissions to access it.` });
    const westKey = await clientsFor(sandbox.url, "customer", "eu-west-1").kms.send(new CreateKeyCommand({}));
    expect((await awsError(() => customer.rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: "db3", Engine: "aurora-mysql", MasterUsername: "app", ManageMasterUserPassword: true, KmsKeyId: westKey.KeyMetadata?.Arn })))).name).toBe("KMSKeyNotAccessibleFault");
    expect((await awsError(() => customer.rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: "db4", Engine: "postgres", MasterUsername: "app", ManageMasterUserPassword: true })))).name).toBe("InvalidParameterValue");
  });
});
