/**
 * Test support for the provisioning integration tests: a fresh migrated database, the AWS
 * sandbox on a free port, the process configured to use both (before env() and db() are
 * first used), and helpers that play the customer (keys made with the `customer`
 * credentials) and the wizard's services (submit and retry inside a transaction).
 */
import { randomUUID } from "node:crypto";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { expect } from "vitest";
import { keyPolicy, type KeyPolicyDocument } from "@/lib/byok/policies";
import { bucketNamePrefixFor } from "@/lib/byok/values";
import { destroyAwsClients } from "@/lib/aws/clients";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { queueProvisioningAttempt, type ProvisioningTrigger } from "@/lib/provisioning/queue";
import { startSandbox } from "@/sandbox/server";
import { createTestDatabase, type TestDatabase } from "@/scripts/lib/test-database";

export const CUSTOMER_ACCOUNT_ID = "123456789012";
export const OTHER_CUSTOMER_ACCOUNT_ID = "444455556666";
export const PLATFORM_PRINCIPAL_ARN = "arn:aws:sts::210987654321:assumed-role/byok-platform/portal";

export interface Harness {
  sandboxUrl: string;
  databaseUrl: string;
  close(): Promise<void>;
}

export async function startHarness(adminUrl: string, options: { rdsCreateDelayMs?: number } = {}): Promise<Harness> {
  const database: TestDatabase = await createTestDatabase(adminUrl);
  const sandbox = await startSandbox({ port: 0, rdsCreateDelayMs: options.rdsCreateDelayMs ?? 300 });
  Object.assign(process.env, {
    DATABASE_URL: database.url,
    BYOK_EMBEDDED: "1",
    AWS_ENDPOINT_URL: sandbox.url,
    AWS_ACCESS_KEY_ID: "platform",
    AWS_SECRET_ACCESS_KEY: "platform",
    AWS_EC2_METADATA_DISABLED: "true",
  });
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
  return {
    sandboxUrl: sandbox.url,
    databaseUrl: database.url,
    async close() {
      destroyAwsClients();
      await db().$disconnect();
      await sandbox.close();
      await database.drop();
    },
  };
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
  organizationId: string;
  userId: string;
  region?: string;
  encryptionMode?: "VENDOR_MANAGED" | "CUSTOMER_MANAGED";
  s3KeyArn?: string;
  rdsKeyArn?: string;
  environmentId?: string;
}

export async function createDraft(options: DraftOptions): Promise<string> {
  const environment = await db().environment.create({
    data: {
      id: options.environmentId ?? randomUUID(),
      organizationId: options.organizationId,
      createdById: options.userId,
      name: "Production",
      region: options.region ?? "eu-west-1",
      encryptionMode: options.encryptionMode ?? "VENDOR_MANAGED",
      s3KeyArn: options.s3KeyArn ?? null,
      rdsKeyArn: options.rdsKeyArn ?? null,
      wizardStep: "review",
    },
    select: { id: true },
  });
  return environment.id;
}

/** What the wizard's submit and retry services do: flip the status conditionally, queue in the same transaction. */
export async function submit(environmentId: string, userId: string, trigger: ProvisioningTrigger = "create"): Promise<{ attemptId: string; number: number }> {
  return db().$transaction(async (tx) => {
    const from = trigger === "create" ? "DRAFT" : "FAILED";
    const flipped = await tx.environment.updateMany({ where: { id: environmentId, status: from }, data: { status: "PROVISIONING" } });
    if (flipped.count !== 1) throw new Error(`environment ${environmentId} is not ${from}`);
    return queueProvisioningAttempt(tx, { environmentId, trigger, requestedById: userId });
  });
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
  return db().auditEvent.findMany({ where: { environmentId, ...(action ? { action } : {}) }, orderBy: { createdAt: "asc" } });
}

/** The aws.call audit events of an environment, as plain objects. */
export async function awsCalls(environmentId: string): Promise<Array<Record<string, unknown>>> {
  const events = await auditOf(environmentId, "aws.call");
  return events.map((event) => event.details as Record<string, unknown>);
}
