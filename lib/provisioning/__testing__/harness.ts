/**
 * Test support for the provisioning integration tests: a fresh migrated database, the AWS
 * sandbox on a free port, the process configured to use both (before env() and db() are
 * first used), and helpers that play the customer: keys made with the `customer`
 * credentials, drafts, submits and retries through the wizard's own services.
 */
import { randomUUID } from "node:crypto";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { afterAll, beforeAll, expect, inject } from "vitest";
import { asCustomer } from "@/lib/auth/access";
import { callerForUser, type CustomerCaller } from "@/lib/auth/caller";
import { keyPolicy, type KeyPolicyDocument } from "@/lib/byok/policies";
import { acknowledgeKeyInstructions, chooseEncryption, createEnvironmentDraft, provideKeyArns } from "@/lib/environments/draft";
import { retryProvisioning, submitEnvironment } from "@/lib/environments/submit-environment";
import { bucketNamePrefixFor } from "@/lib/byok/values";
import { destroyAwsClients } from "@/lib/aws/clients";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { disconnectProvisioningDb } from "@/lib/provisioning/db";
import { bucketName, clusterIdentifier } from "@/lib/provisioning/names";
import { startSandbox } from "@/sandbox/server";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/test-database";
import { AppError } from "@/lib/errors";
import { startProvisioningWorker, type ProvisioningWorker, type ProvisioningWorkerOptions } from "@/lib/provisioning/worker";

export const CUSTOMER_ACCOUNT_ID = "123456789012";
export const OTHER_CUSTOMER_ACCOUNT_ID = "444455556666";
/** The portal's base identity (the sandbox's `platform` access key): it only opens the environments' sessions. */
export const PORTAL_BASE_PRINCIPAL_ARN = "arn:aws:sts::210987654321:assumed-role/byok-portal/portal";
/** Every platform call for an environment is made by a session named after it. */
export const PLATFORM_SESSION_ARN_PREFIX = "arn:aws:sts::210987654321:assumed-role/byok-platform/byok-env-";
/**
 * @deprecated The platform no longer has one principal: use platformSessionArn(environmentId),
 * or PLATFORM_SESSION_ARN_PREFIX for any environment. Kept (as the base identity) for scripts
 * not yet moved over.
 */
export const PLATFORM_PRINCIPAL_ARN = PORTAL_BASE_PRINCIPAL_ARN;

/** The platform's session for one environment, as the trail and AWS error messages name it. */
export function platformSessionArn(environmentId: string): string {
  return `${PLATFORM_SESSION_ARN_PREFIX}${environmentId}`;
}

export interface Harness {
  sandboxUrl: string;
  databaseUrl: string;
  close(): Promise<void>;
}

/**
 * Points this process's portal configuration (read by env() on first use) at a database and the
 * sandbox, as the portal's base identity; nothing of the machine's own AWS setup leaks in.
 */
export function configurePortalProcess(databaseUrl: string, sandboxUrl: string): void {
  Object.assign(process.env, {
    DATABASE_URL: databaseUrl,
    BYOK_EMBEDDED: "1",
    AWS_ENDPOINT_URL: sandboxUrl,
    AWS_ACCESS_KEY_ID: "platform",
    AWS_SECRET_ACCESS_KEY: "platform",
    AWS_EC2_METADATA_DISABLED: "true",
  });
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
}

/**
 * `sandboxUrl`: use a sandbox the test runs itself (e.g. in a child process it kills);
 * otherwise one is started in this process.
 */
export async function startHarness(adminUrl: string, options: { rdsCreateDelayMs?: number; sandboxUrl?: string } = {}): Promise<Harness> {
  const database: TestDatabase = await createTestDatabase(adminUrl);
  const sandbox = options.sandboxUrl
    ? { url: options.sandboxUrl, close: async () => undefined }
    : await startSandbox({ port: 0, rdsCreateDelayMs: options.rdsCreateDelayMs ?? 300 });
  configurePortalProcess(database.url, sandbox.url);
  return {
    sandboxUrl: sandbox.url,
    databaseUrl: database.url,
    async close() {
      destroyAwsClients();
      await db().$disconnect();
      await disconnectProvisioningDb();
      await sandbox.close();
      await database.drop();
    },
  };
}

/**
 * For a test file: the harness started before its tests and closed after them. Call the returned
 * function inside a test (or a hook) to get it.
 */
export function harnessForFile(options?: Parameters<typeof startHarness>[1]): () => Harness {
  let started: Harness | undefined;
  beforeAll(async () => {
    started = await startHarness(inject("databaseAdminUrl"), options);
  });
  afterAll(async () => {
    await started?.close();
  });
  return () => {
    if (!started) throw new Error("The harness has not started: call this inside a test or hook.");
    return started;
  };
}

/**
 * A provisioning worker for one test file, started after its harness (register harnessForFile
 * first): the sweep interval is far longer than any test, so runs start from their NOTIFY only.
 */
export function provisioningWorkerForFile(options: ProvisioningWorkerOptions = {}): () => ProvisioningWorker {
  let started: ProvisioningWorker | undefined;
  beforeAll(async () => {
    started = await startProvisioningWorker({ sweepIntervalMs: 3_600_000, pollingIntervalSeconds: 30, log: () => undefined, ...options });
  });
  afterAll(async () => {
    await started?.stop();
  });
  return () => {
    if (!started) throw new Error("The worker has not started: call this inside a test or hook.");
    return started;
  };
}

/** A key policy without the named statements (a customer who left some out). */
export function withoutStatements(...sids: string[]) {
  return (policy: KeyPolicyDocument): KeyPolicyDocument => ({ ...policy, Statement: policy.Statement.filter((s) => !sids.includes(s.Sid)) });
}

/** The AppError a service refused with (fails the test when it did not refuse, or threw something else). */
export async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

/** An organization with one admin, unique per call so tests do not share state. */
export async function seedOrganization(slugStem: string): Promise<{ organizationId: string; slug: string; userId: string }> {
  const unique = randomUUID().slice(0, 8);
  const organizationId = `org_${unique}`;
  const userId = `user_${unique}`;
  const slug = `${slugStem}-${unique}`;
  await db().organization.create({ data: { id: organizationId, name: slugStem, slug } });
  await db().user.create({ data: { id: userId, name: `${slugStem} admin`, email: `admin-${unique}@${slugStem}.example` } });
  await db().member.create({ data: { id: `member_${unique}`, organizationId, userId, role: "owner" } });
  return { organizationId, slug, userId };
}

export interface DraftOptions {
  region?: string;
  encryptionMode?: "VENDOR_MANAGED" | "CUSTOMER_MANAGED";
  /** Customer-managed: the key ARNs to give, made once the environment id is known. */
  keys?: (environmentId: string) => Promise<{ s3KeyArn: string; rdsKeyArn: string }>;
}

/** The organization admin as a request would resolve them, for calling the services. */
export async function customerCaller(userId: string): Promise<CustomerCaller> {
  return asCustomer(await callerForUser(userId));
}

/** A draft made through the wizard's own services, as far as the review step. */
export async function createDraft(org: { userId: string }, options: DraftOptions = {}): Promise<string> {
  const caller = await customerCaller(org.userId);
  const encryptionMode = options.encryptionMode ?? "VENDOR_MANAGED";
  const draft = await createEnvironmentDraft(caller, { name: "Production", region: options.region ?? "eu-west-1" });
  await chooseEncryption(caller, { environmentId: draft.id, encryptionMode });
  if (encryptionMode === "CUSTOMER_MANAGED") {
    if (!options.keys) throw new Error("a customer-managed draft needs its keys");
    await acknowledgeKeyInstructions(caller, { environmentId: draft.id });
    await provideKeyArns(caller, { environmentId: draft.id, ...(await options.keys(draft.id)) });
  }
  return draft.id;
}

/** The wizard's submit (or the environment page's retry) through the real services; returns the attempt it queued. */
export async function submit(environmentId: string, userId: string, trigger: "create" | "retry" = "create"): Promise<{ attemptId: string; number: number }> {
  const caller = await customerCaller(userId);
  if (trigger === "create") await submitEnvironment(caller, { environmentId });
  else await retryProvisioning(caller, { environmentId });
  const attempt = await db().provisioningAttempt.findFirstOrThrow({ where: { environmentId }, orderBy: { number: "desc" }, select: { id: true, number: true } });
  return { attemptId: attempt.id, number: attempt.number };
}

export function customerKms(region: string, account: "customer" | "other-customer" = "customer"): KMSClient {
  return new KMSClient({
    region,
    endpoint: env().awsEndpoint,
    credentials: { accessKeyId: account, secretAccessKey: account },
    maxAttempts: 1,
  });
}

/** The key policy the BYOK core renders for an environment (what the wizard shows the customer). */
export function policyFor(kind: "s3" | "rds", environmentId: string, region: string, customerAccountId = CUSTOMER_ACCOUNT_ID): KeyPolicyDocument {
  const config = env();
  return keyPolicy(kind, {
    partition: config.partition,
    region,
    platformAccountId: config.platformAccountId,
    platformRoleArn: config.platformRoleArn,
    environmentId,
    bucketNamePrefix: bucketNamePrefixFor(config.resourcePrefix, environmentId),
    customerAccountId,
  });
}

export async function createCustomerKey(
  region: string,
  policy: KeyPolicyDocument,
  account: "customer" | "other-customer" = "customer",
): Promise<string> {
  const kms = customerKms(region, account);
  try {
    const created = await kms.send(new CreateKeyCommand({ Policy: JSON.stringify(policy), Description: "test key" }));
    const arn = created.KeyMetadata?.Arn;
    if (!arn) throw new Error("CreateKey returned no ARN");
    return arn;
  } finally {
    kms.destroy();
  }
}

import type { TrailEvent } from "@/sandbox/world";

export type { TrailEvent };

export async function trail(sandboxUrl: string, filter: { keyArn?: string; action?: string } = {}): Promise<TrailEvent[]> {
  const query = new URLSearchParams(Object.entries(filter).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const response = await fetch(`${sandboxUrl}/_sandbox/trail?${query.toString()}`);
  const body = (await response.json()) as { events: TrailEvent[] };
  return body.events;
}

export interface SandboxBucket {
  name: string;
  region: string;
  ownerAccountId: string;
  creationDate: string;
  encryption?: { sseAlgorithm: string; kmsMasterKeyId?: string; bucketKeyEnabled: boolean };
  publicAccessBlock?: Record<string, boolean>;
  objects: Record<string, { key: string; sse: string; kmsKeyArn?: string; encryptionContext?: Record<string, string> }>;
}

export interface SandboxCluster {
  identifier: string;
  arn: string;
  storageEncrypted: boolean;
  kmsKeyArn?: string;
  tags: Array<{ Key: string; Value: string }>;
  createdAt: string;
  /** Set once DeleteDBCluster was accepted; the cluster disappears a moment later. */
  deletingSince?: string;
}

export interface SandboxSnapshot {
  buckets: Record<string, SandboxBucket>;
  clusters: SandboxCluster[];
}

export async function sandboxState(sandboxUrl: string): Promise<SandboxSnapshot> {
  const response = await fetch(`${sandboxUrl}/_sandbox/state`);
  const state = (await response.json()) as {
    s3: { buckets: Record<string, SandboxBucket> };
    rds: Record<string, Record<string, { clusters: Record<string, SandboxCluster> }>>;
  };
  const clusters = Object.values(state.rds).flatMap((byRegion) => Object.values(byRegion).flatMap((region) => Object.values(region.clusters)));
  return { buckets: state.s3.buckets, clusters };
}

export async function addFault(sandboxUrl: string, fault: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${sandboxUrl}/_sandbox/faults`, { method: "POST", body: JSON.stringify(fault), headers: { "content-type": "application/json" } });
  if (!response.ok) throw new Error(`fault not accepted: ${await response.text()}`);
}

export async function clearFaults(sandboxUrl: string): Promise<void> {
  const response = await fetch(`${sandboxUrl}/_sandbox/faults`, { method: "DELETE" });
  if (!response.ok) throw new Error(`faults not cleared: ${await response.text()}`);
}

/** Waits (polling the database) until the environment leaves PROVISIONING, then returns its status. */
export async function settledStatus(environmentId: string, timeout = 60_000): Promise<string> {
  let status = "";
  await expect
    .poll(
      async () => {
        status = (await db().environment.findUniqueOrThrow({ where: { id: environmentId }, select: { status: true } })).status;
        return status;
      },
      { timeout, interval: 50 },
    )
    .toMatch(/^(READY|FAILED)$/);
  return status;
}

export async function stepsOf(attemptId: string) {
  return db().provisioningStep.findMany({ where: { attemptId }, orderBy: { position: "asc" } });
}

export async function auditOf(environmentId: string, action?: string) {
  return db().auditEvent.findMany({ where: { environmentId, ...(action ? { action } : {}) }, orderBy: { sequence: "asc" } });
}

/** The aws.call audit events of an environment, as plain objects. */
export async function awsCalls(environmentId: string): Promise<Array<Record<string, unknown>>> {
  const events = await auditOf(environmentId, "aws.call");
  return events.map((event) => event.details as Record<string, unknown>);
}

type PolicyAdjustment = (policy: KeyPolicyDocument) => KeyPolicyDocument;

/**
 * A customer organization with a customer-managed draft: both keys made in the sandbox as
 * the customer, with the statements the wizard shows (optionally changed to break them).
 */
export async function byokDraft(stem: string, region: string, adjust: { s3?: PolicyAdjustment; rds?: PolicyAdjustment } = {}) {
  const org = await seedOrganization(stem);
  let keys = { s3KeyArn: "", rdsKeyArn: "" };
  const environmentId = await createDraft(org, {
    region,
    encryptionMode: "CUSTOMER_MANAGED",
    keys: async (id) => {
      keys = {
        s3KeyArn: await createCustomerKey(region, (adjust.s3 ?? ((p) => p))(policyFor("s3", id, region))),
        rdsKeyArn: await createCustomerKey(region, (adjust.rds ?? ((p) => p))(policyFor("rds", id, region))),
      };
      return keys;
    },
  });
  return { ...org, environmentId, ...keys };
}

/** Each AWS resource of the environment was created exactly once: counted in the sandbox and in the audit log. */
export async function expectCreatedOnce(sandboxUrl: string, draft: { environmentId: string; s3KeyArn: string; rdsKeyArn: string }) {
  const prefix = env().resourcePrefix;
  const state = await sandboxState(sandboxUrl);
  expect(state.clusters.filter((c) => c.identifier === clusterIdentifier(prefix, draft.environmentId))).toHaveLength(1);
  expect(Object.keys(state.buckets).filter((name) => name.startsWith(`${prefix}-${draft.environmentId}-`)).sort()).toEqual([
    bucketName(prefix, draft.environmentId, "data"),
    bucketName(prefix, draft.environmentId, "logs"),
  ]);
  // RDS makes exactly one grant per cluster it creates; S3 one data key per object written
  // (a step that runs again writes its marker objects again, over the same keys).
  const calls = await awsCalls(draft.environmentId);
  expect((await trail(sandboxUrl, { keyArn: draft.rdsKeyArn, action: "CreateGrant" })).filter((e) => e.result === "allowed")).toHaveLength(1);
  const markerWrites = calls.filter((c) => c.operation === "PutObject" && c.outcome === "succeeded").length;
  expect(markerWrites).toBeGreaterThanOrEqual(2);
  expect((await trail(sandboxUrl, { keyArn: draft.s3KeyArn, action: "GenerateDataKey" })).filter((e) => e.result === "allowed")).toHaveLength(markerWrites);
  const created = (operation: string) => calls.filter((c) => c.operation === operation && c.outcome === "succeeded").map((c) => c.resource);
  expect(created("CreateBucket").sort()).toEqual([`arn:aws:s3:::${bucketName(prefix, draft.environmentId, "data")}`, `arn:aws:s3:::${bucketName(prefix, draft.environmentId, "logs")}`]);
  expect(created("CreateDBCluster")).toEqual([clusterIdentifier(prefix, draft.environmentId)]);
}
