/**
 * Provisioning end to end against real PostgreSQL, the AWS sandbox and the real SDK: keys are
 * made by the sandbox's `customer` with the policies the BYOK core renders, and the worker
 * picks attempts up from the NOTIFY of the submitting transaction (the sweep interval is far
 * longer than any test, so nothing here depends on it).
 */
import { randomUUID } from "node:crypto";
import {
  DisableKeyCommand,
  DescribeKeyCommand,
  EnableKeyCommand,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
} from "@aws-sdk/client-kms";
import { CreateDBClusterCommand } from "@aws-sdk/client-rds";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { STATEMENT_IDS } from "@/lib/byok/policies";
import { tenantNamePattern } from "@/lib/byok/values";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { acknowledgeKeyInstructions, chooseEncryption, createEnvironmentDraft, provideKeyArns } from "@/lib/environments/draft";
import { AppError } from "@/lib/errors";
import { platformSession } from "@/sandbox/test-support";
import { explainProvisioningFailure } from "./explain";
import { bucketName, clusterIdentifier } from "./names";
import { startProvisioningWorker, type ProvisioningWorker } from "./worker";
import {
  OTHER_CUSTOMER_ACCOUNT_ID,
  PLATFORM_SESSION_ARN_PREFIX,
  platformSessionArn,
  addFault,
  auditOf,
  awsCalls,
  byokDraft,
  createCustomerKey,
  createDraft,
  customerCaller,
  customerKms,
  policyFor,
  sandboxState,
  seedOrganization,
  settledStatus,
  startHarness,
  stepsOf,
  submit,
  trail,
  withoutStatements,
  type Harness,
} from "./__testing__/harness";

const REGION = "eu-west-1";
let harness: Harness;
let worker: ProvisioningWorker;

beforeAll(async () => {
  harness = await startHarness(inject("databaseAdminUrl"));
  worker = await startProvisioningWorker({ sweepIntervalMs: 3_600_000, pollingIntervalSeconds: 30, log: () => undefined });
});

afterAll(async () => {
  await worker?.stop();
  await harness?.close();
});


async function failedStep(attemptId: string) {
  const steps = await stepsOf(attemptId);
  const failed = steps.find((s) => s.status === "FAILED");
  if (!failed) throw new Error(`no failed step in ${JSON.stringify(steps.map((s) => [s.key, s.status]))}`);
  return { failed, steps };
}

describe("customer-managed keys", () => {
  test("happy path: READY with a tenant name; S3 and RDS used the customer's keys, as the platform role, through the services", async () => {
    const { environmentId, s3KeyArn, rdsKeyArn, slug } = await byokDraft("acme", REGION);
    const { attemptId } = await submit(environmentId, (await db().environment.findUniqueOrThrow({ where: { id: environmentId } })).createdById);
    expect(await settledStatus(environmentId)).toBe("READY");

    const environment = await db().environment.findUniqueOrThrow({ where: { id: environmentId } });
    expect(environment.provisionedAt).not.toBeNull();
    expect(environment.tenantName).toMatch(new RegExp(`^${slug}-[a-z2-9]{6}$`));
    expect(environment.tenantName?.length).toBeLessThanOrEqual(40);
    expect(environment.tenantName).toMatch(tenantNamePattern);

    const steps = await stepsOf(attemptId);
    expect(steps.map((s) => [s.key, s.status, s.tries])).toEqual([
      ["object-storage", "SUCCEEDED", 1],
      ["database", "SUCCEEDED", 1],
      ["finalize", "SUCCEEDED", 1],
    ]);
    for (const step of steps) {
      expect(step.startedAt).not.toBeNull();
      expect(step.finishedAt).not.toBeNull();
    }
    expect(steps[0]?.awsService).toBe("s3");
    expect(steps[0]?.awsRequestId).toMatch(/.+/);
    expect(steps[1]?.awsService).toBe("rds");
    expect(steps[2]?.output).toEqual({ tenantName: environment.tenantName });
    const attempt = await db().provisioningAttempt.findUniqueOrThrow({ where: { id: attemptId } });
    expect(attempt.status).toBe("SUCCEEDED");
    expect(attempt.jobId).toMatch(/.+/);

    // The customer's CloudTrail view: GenerateDataKey through S3 with the traceable context, CreateGrant through RDS.
    const dataKeys = (await trail(harness.sandboxUrl, { keyArn: s3KeyArn, action: "GenerateDataKey" })).filter((e) => e.result === "allowed");
    expect(dataKeys).toHaveLength(2);
    for (const event of dataKeys) {
      expect(event.principal).toBe(platformSessionArn(environmentId));
      expect(event.viaService).toBe(`s3.${REGION}.amazonaws.com`);
      expect(event.encryptionContext).toMatchObject({ tenant: slug, environment: environmentId });
      expect(event.encryptionContext?.["aws:s3:arn"]).toMatch(new RegExp(`^arn:aws:s3:::${env().resourcePrefix}-${environmentId}-(data|logs)$`));
    }
    const grants = await trail(harness.sandboxUrl, { keyArn: rdsKeyArn, action: "CreateGrant" });
    expect(grants).toHaveLength(1);
    expect(grants[0]).toMatchObject({ principal: platformSessionArn(environmentId), viaService: `rds.${REGION}.amazonaws.com`, result: "allowed" });

    const state = await sandboxState(harness.sandboxUrl);
    for (const purpose of ["data", "logs"] as const) {
      const bucket = state.buckets[bucketName(env().resourcePrefix, environmentId, purpose)];
      expect(bucket?.region).toBe(REGION);
      expect(bucket?.encryption).toEqual({ sseAlgorithm: "aws:kms", kmsMasterKeyId: s3KeyArn, bucketKeyEnabled: true });
      expect(bucket?.publicAccessBlock).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
      expect(bucket?.objects["environment.json"]).toMatchObject({ sse: "aws:kms", kmsKeyArn: s3KeyArn });
    }
    const cluster = state.clusters.find((c) => c.identifier === clusterIdentifier(env().resourcePrefix, environmentId));
    expect(cluster).toMatchObject({ storageEncrypted: true, kmsKeyArn: rdsKeyArn });
    expect(cluster?.tags).toContainEqual({ Key: `${env().resourcePrefix}:environment-id`, Value: environmentId });

    // Every AWS call is on the environment's audit trail, with the key it used.
    const calls = await awsCalls(environmentId);
    expect(calls.filter((c) => c.operation === "PutObject").map((c) => [c.keyArn, c.outcome])).toEqual([
      [s3KeyArn, "succeeded"],
      [s3KeyArn, "succeeded"],
    ]);
    expect(calls.filter((c) => c.operation === "CreateDBCluster").map((c) => [c.keyArn, c.outcome])).toEqual([[rdsKeyArn, "succeeded"]]);
    for (const call of calls) expect(call.requestId).toMatch(/.+/);
    const actions = (await auditOf(environmentId)).map((e) => e.action).filter((a) => a !== "aws.call");
    expect(actions).toEqual([
      "environment.draft.created",
      "environment.draft.encryption_chosen",
      "environment.draft.keys_acknowledged",
      "environment.draft.key_arns_accepted",
      "environment.submitted",
      "provisioning.attempt.queued",
      "provisioning.attempt.started",
      "provisioning.step.succeeded",
      "provisioning.step.succeeded",
      "provisioning.step.succeeded",
      "environment.ready",
    ]);
  });

  test("S3 statement missing: fails at object storage with the KMS AccessDenied; after put-key-policy a retry is READY without re-creating the buckets", async () => {
    const draft = await byokDraft("initech", REGION, { s3: withoutStatements(STATEMENT_IDS.s3Use, STATEMENT_IDS.s3DescribeKey) });
    const first = await submit(draft.environmentId, draft.userId);
    expect(await settledStatus(draft.environmentId)).toBe("FAILED");

    const { failed, steps } = await failedStep(first.attemptId);
    expect(failed.key).toBe("object-storage");
    expect(failed.awsService).toBe("s3");
    expect(failed.errorCode).toBe("AccessDenied");
    expect(failed.errorMessage).toContain(platformSessionArn(draft.environmentId));
    expect(failed.errorMessage).toContain("kms:GenerateDataKey");
    expect(failed.errorMessage).toContain(draft.s3KeyArn);
    expect(failed.errorMessage).not.toMatch(/\n\s+at /);
    expect(failed.awsRequestId).toMatch(/.+/);
    expect(steps.map((s) => s.status)).toEqual(["FAILED", "PENDING", "PENDING"]);
    expect((await db().provisioningAttempt.findUniqueOrThrow({ where: { id: first.attemptId } })).status).toBe("FAILED");
    const explanation = explainProvisioningFailure({ stepKey: failed.key, awsService: failed.awsService, errorCode: failed.errorCode, errorMessage: failed.errorMessage, region: REGION, s3KeyArn: draft.s3KeyArn, rdsKeyArn: draft.rdsKeyArn });
    expect(explanation.kind).toBe("s3-key-policy");
    expect((await auditOf(draft.environmentId, "provisioning.step.failed"))[0]?.details).toMatchObject({ step: "object-storage", errorCode: "AccessDenied" });

    const before = await sandboxState(harness.sandboxUrl);
    const dataBucket = bucketName(env().resourcePrefix, draft.environmentId, "data");
    const createdAt = before.buckets[dataBucket]?.creationDate;
    expect(createdAt).toBeDefined();
    expect(before.buckets[dataBucket]?.objects).toEqual({});

    const kms = customerKms(REGION);
    await kms.send(new PutKeyPolicyCommand({ KeyId: draft.s3KeyArn, PolicyName: "default", Policy: JSON.stringify(policyFor("s3", draft.environmentId, REGION)) }));
    kms.destroy();
    const second = await submit(draft.environmentId, draft.userId, "retry");
    expect(second.number).toBe(2);
    expect(await settledStatus(draft.environmentId)).toBe("READY");

    const after = await sandboxState(harness.sandboxUrl);
    expect(after.buckets[dataBucket]?.creationDate).toBe(createdAt);
    const retried = await stepsOf(second.attemptId);
    expect(retried.map((s) => [s.key, s.status])).toEqual([
      ["object-storage", "SUCCEEDED"],
      ["database", "SUCCEEDED"],
      ["finalize", "SUCCEEDED"],
    ]);
    expect((retried[0]?.output as { buckets: Array<{ creation: string }> }).buckets.map((b) => b.creation)).toEqual(["existing", "existing"]);
    const createBuckets = (await awsCalls(draft.environmentId)).filter((c) => c.operation === "CreateBucket");
    expect(createBuckets.map((c) => [c.attemptId === first.attemptId ? 1 : 2, c.outcome])).toEqual([
      [1, "succeeded"],
      [1, "succeeded"],
      [2, "already-exists"],
      [2, "already-exists"],
    ]);
  });

  test("Aurora grants statement missing: fails at the database with KMSKeyNotAccessibleFault after the buckets succeeded", async () => {
    const draft = await byokDraft("hooli", REGION, { rds: withoutStatements(STATEMENT_IDS.rdsGrants) });
    const { attemptId } = await submit(draft.environmentId, draft.userId);
    expect(await settledStatus(draft.environmentId)).toBe("FAILED");
    const { failed, steps } = await failedStep(attemptId);
    expect(steps.map((s) => s.status)).toEqual(["SUCCEEDED", "FAILED", "PENDING"]);
    expect(failed).toMatchObject({ key: "database", awsService: "rds", errorCode: "KMSKeyNotAccessibleFault" });
    expect(failed.errorMessage).toContain(draft.rdsKeyArn);
    const denied = await trail(harness.sandboxUrl, { keyArn: draft.rdsKeyArn, action: "CreateGrant" });
    expect(denied.map((e) => [e.result, e.viaService])).toEqual([["denied", `rds.${REGION}.amazonaws.com`]]);
    expect((await sandboxState(harness.sandboxUrl)).clusters.find((c) => c.identifier === clusterIdentifier(env().resourcePrefix, draft.environmentId))).toBeUndefined();
    const explanation = explainProvisioningFailure({ ...failed, stepKey: failed.key, region: REGION, s3KeyArn: draft.s3KeyArn, rdsKeyArn: draft.rdsKeyArn });
    expect(explanation.kind).toBe("rds-key-access");
    expect(explanation.likelyCause).toContain("kms:GrantIsForAWSResource");
  });

  test("RDS key disabled: fails at the database; after enable-key a retry skips the buckets and is READY", async () => {
    const draft = await byokDraft("umbrella", REGION);
    const kms = customerKms(REGION);
    await kms.send(new DisableKeyCommand({ KeyId: draft.rdsKeyArn }));
    const first = await submit(draft.environmentId, draft.userId);
    expect(await settledStatus(draft.environmentId)).toBe("FAILED");
    const { failed } = await failedStep(first.attemptId);
    expect(failed).toMatchObject({ key: "database", errorCode: "KMSKeyNotAccessibleFault" });
    const explanation = explainProvisioningFailure({ ...failed, stepKey: failed.key, region: REGION, s3KeyArn: draft.s3KeyArn, rdsKeyArn: draft.rdsKeyArn });
    expect(explanation.commands).toContain(`aws kms enable-key --key-id ${draft.rdsKeyArn} --region ${REGION}`);

    await kms.send(new EnableKeyCommand({ KeyId: draft.rdsKeyArn }));
    kms.destroy();
    const firstStorage = (await stepsOf(first.attemptId))[0];
    const second = await submit(draft.environmentId, draft.userId, "retry");
    expect(await settledStatus(draft.environmentId)).toBe("READY");
    const retried = await stepsOf(second.attemptId);
    expect(retried.map((s) => [s.key, s.status])).toEqual([
      ["object-storage", "SKIPPED"],
      ["database", "SUCCEEDED"],
      ["finalize", "SUCCEEDED"],
    ]);
    expect(retried[0]?.output).toEqual(firstStorage?.output);
    // The reused buckets are only checked (read-only), never made again.
    const s3Calls = (await awsCalls(draft.environmentId)).filter((c) => c.attemptId === second.attemptId && c.service === "s3");
    expect(new Set(s3Calls.map((c) => c.operation))).toEqual(new Set(["HeadBucket", "GetBucketEncryption", "HeadObject"]));
    expect(await auditOf(draft.environmentId, "provisioning.step.verified")).toHaveLength(1);
  });

  test("S3 key pending deletion: fails at object storage; the explanation gives the cancel and enable commands", async () => {
    const draft = await byokDraft("soylent", REGION);
    const kms = customerKms(REGION);
    const scheduled = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: draft.s3KeyArn, PendingWindowInDays: 7 }));
    const described = await kms.send(new DescribeKeyCommand({ KeyId: draft.s3KeyArn }));
    kms.destroy();
    expect(described.KeyMetadata?.DeletionDate?.toISOString()).toBe(scheduled.DeletionDate?.toISOString());

    const { attemptId } = await submit(draft.environmentId, draft.userId);
    expect(await settledStatus(draft.environmentId)).toBe("FAILED");
    const { failed } = await failedStep(attemptId);
    expect(failed.key).toBe("object-storage");
    expect(failed.errorCode).toBe("KMS.KMSInvalidStateException");
    expect(failed.errorMessage).toBe(`${draft.s3KeyArn} is pending deletion.`);
    const explanation = explainProvisioningFailure({ ...failed, stepKey: failed.key, region: REGION, s3KeyArn: draft.s3KeyArn, rdsKeyArn: draft.rdsKeyArn });
    expect(explanation.kind).toBe("key-pending-deletion");
    expect(explanation.commands).toEqual([
      `aws kms describe-key --key-id ${draft.s3KeyArn} --region ${REGION} --query "KeyMetadata.[KeyState,DeletionDate,Arn]" --output text`,
      `aws kms cancel-key-deletion --key-id ${draft.s3KeyArn} --region ${REGION}`,
      `aws kms enable-key --key-id ${draft.s3KeyArn} --region ${REGION}`,
    ]);
  });

  test("confused deputy: another customer's key, made with the statements of another environment, is refused at the key-ARN step and never used", async () => {
    const org = await seedOrganization("acme");
    const globexEnvironmentId = randomUUID();
    // The other customer's key is set up, correctly, for *their* environment.
    const foreignS3KeyArn = await createCustomerKey(REGION, policyFor("s3", globexEnvironmentId, REGION, OTHER_CUSTOMER_ACCOUNT_ID), "other-customer");
    const caller = await customerCaller(org.userId);
    const draft = await createEnvironmentDraft(caller, { name: "Deputy", region: REGION });
    await chooseEncryption(caller, { environmentId: draft.id, encryptionMode: "CUSTOMER_MANAGED" });
    await acknowledgeKeyInstructions(caller, { environmentId: draft.id });
    const rdsKeyArn = await createCustomerKey(REGION, policyFor("rds", draft.id, REGION));
    const refused = await provideKeyArns(caller, { environmentId: draft.id, s3KeyArn: foreignS3KeyArn, rdsKeyArn }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).fieldErrors?.s3KeyArn?.[0]).toContain("not allowed to read this key");
    expect((refused as AppError).fieldErrors?.rdsKeyArn).toBeUndefined();
    expect(await db().environment.findUniqueOrThrow({ where: { id: draft.id } })).toMatchObject({ s3KeyArn: null, rdsKeyArn: null, status: "DRAFT" });

    // The platform asked only to describe it, from this environment's session, and was refused.
    const uses = await trail(harness.sandboxUrl, { keyArn: foreignS3KeyArn });
    const platformUses = uses.filter((e) => e.principal.startsWith(PLATFORM_SESSION_ARN_PREFIX));
    expect(platformUses.map((e) => [e.principal, e.action, e.result])).toEqual([[platformSessionArn(draft.id), "DescribeKey", "denied"]]);
  });

  test("throttled KMS: the throttled call is tried again and the step succeeds; retries are recorded", async () => {
    const draft = await byokDraft("wonka", REGION);
    // The SDK does not retry a KMS throttle S3 met on the caller's behalf (HTTP 400): the step does.
    await addFault(harness.sandboxUrl, { service: "kms", operation: "GenerateDataKey", throttle: true, count: 2 });
    const { attemptId } = await submit(draft.environmentId, draft.userId);
    expect(await settledStatus(draft.environmentId)).toBe("READY");
    const steps = await stepsOf(attemptId);
    expect(steps[0]).toMatchObject({ key: "object-storage", status: "SUCCEEDED", tries: 1, retryCount: 2, retryAt: null, errorCode: null });
    expect(steps[0]?.lastRetry).toMatchObject({ operation: "PutObject", service: "s3", code: "KMS.ThrottlingException" });
    const retries = await auditOf(draft.environmentId, "provisioning.step.retrying");
    expect(retries.map((e) => (e.details as { errorCode: string }).errorCode)).toEqual(["KMS.ThrottlingException", "KMS.ThrottlingException"]);
  });

  test("answers that cannot be read (an HTML 502 page, a truncated body, an empty 200) are temporary: tried again, then Ready", async () => {
    const draft = await byokDraft("tyrell", REGION);
    // A proxy's error page: the SDK itself retries a 5xx, so only the trail sees these.
    await addFault(harness.sandboxUrl, { service: "s3", operation: "PutBucketEncryption", malformed: "html502", count: 2 });
    // Cut off and empty 200s: the SDK cannot read them and gives up at once; the step retries.
    await addFault(harness.sandboxUrl, { service: "rds", operation: "DescribeDBClusters", malformed: "truncated", count: 2 });
    await addFault(harness.sandboxUrl, { service: "rds", operation: "DescribeDBClusters", malformed: "empty200", count: 1 });
    const { attemptId } = await submit(draft.environmentId, draft.userId);
    expect(await settledStatus(draft.environmentId)).toBe("READY");
    const retries = await auditOf(draft.environmentId, "provisioning.step.retrying");
    expect(retries.map((e) => (e.details as { errorCode: string }).errorCode)).toEqual(["MalformedResponse", "MalformedResponse", "MalformedResponse"]);
    for (const event of retries) {
      expect(event.details).toMatchObject({ step: "database", operation: "DescribeDBClusters", service: "rds" });
      // Customer-safe words, not the SDK's parser text.
      expect((event.details as { errorMessage: string }).errorMessage).not.toMatch(/Deserialization|hidden field|XML parse/);
    }
    const [, database] = await stepsOf(attemptId);
    expect(database).toMatchObject({ status: "SUCCEEDED", tries: 1, retryCount: 3, retryAt: null });
    const faulted = await trail(harness.sandboxUrl, {});
    expect(faulted.filter((e) => e.fault && e.action === "PutBucketEncryption")).toHaveLength(2);
  });

  test("a cluster with the environment's identifier that is not encrypted with its key is not adopted", async () => {
    const draft = await byokDraft("cyberdyne", REGION);
    // Made by the platform's own session for this environment, as a lost earlier run would have.
    const { rds } = await platformSession(harness.sandboxUrl, draft.environmentId, REGION);
    await rds.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: clusterIdentifier(env().resourcePrefix, draft.environmentId),
        Engine: "aurora-postgresql",
        StorageEncrypted: true,
        MasterUsername: "someone",
        ManageMasterUserPassword: true,
      }),
    );
    rds.destroy();
    const { attemptId } = await submit(draft.environmentId, draft.userId);
    expect(await settledStatus(draft.environmentId)).toBe("FAILED");
    const { failed } = await failedStep(attemptId);
    expect(failed).toMatchObject({ key: "database", errorCode: "DBClusterNotOwned", awsService: "rds" });
    expect(failed.errorMessage).toContain("left untouched");
  });
});

describe("vendor-managed encryption", () => {
  test("buckets use S3-managed keys, the cluster the AWS managed key; no customer key involved", async () => {
    const org = await seedOrganization("globex");
    const environmentId = await createDraft(org, { region: REGION, encryptionMode: "VENDOR_MANAGED" });
    const { attemptId } = await submit(environmentId, org.userId);
    expect(await settledStatus(environmentId)).toBe("READY");
    expect((await stepsOf(attemptId)).map((s) => s.status)).toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]);
    const state = await sandboxState(harness.sandboxUrl);
    for (const purpose of ["data", "logs"] as const) {
      const bucket = state.buckets[bucketName(env().resourcePrefix, environmentId, purpose)];
      expect(bucket?.encryption).toEqual({ sseAlgorithm: "AES256", bucketKeyEnabled: false });
      expect(bucket?.objects["environment.json"]?.sse).toBe("AES256");
    }
    const cluster = state.clusters.find((c) => c.identifier === clusterIdentifier(env().resourcePrefix, environmentId));
    expect(cluster?.storageEncrypted).toBe(true);
    expect(cluster?.kmsKeyArn).toMatch(new RegExp(`^arn:aws:kms:${REGION}:${env().platformAccountId}:key/`));
    for (const call of await awsCalls(environmentId)) expect(call.keyArn).toBeNull();
  });

  test("in us-east-1 the buckets are created without a location constraint", async () => {
    const org = await seedOrganization("initrode");
    const environmentId = await createDraft(org, { region: "us-east-1", encryptionMode: "VENDOR_MANAGED" });
    await submit(environmentId, org.userId);
    expect(await settledStatus(environmentId)).toBe("READY");
    const state = await sandboxState(harness.sandboxUrl);
    expect(state.buckets[bucketName(env().resourcePrefix, environmentId, "data")]?.region).toBe("us-east-1");
  });
});
