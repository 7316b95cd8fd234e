/**
 * The key-ARN step's live checks, through the pipeline the server action runs (authorize, parse,
 * the service) against the AWS sandbox: every key that would certainly fail is stopped with its
 * own message and fix, and AWS being unavailable is never blamed on the key.
 */
import { randomUUID } from "node:crypto";
import { CreateKeyCommand, DescribeKeyCommand, DisableKeyCommand, DisableKeyRotationCommand, EnableKeyRotationCommand, ScheduleKeyDeletionCommand } from "@aws-sdk/client-kms";
import { CreateDBClusterCommand, RDSClient } from "@aws-sdk/client-rds";
import { describe, expect, test } from "vitest";
import type { CustomerCaller } from "@/lib/auth/caller";
import type { KeyPolicyDocument } from "@/lib/byok/policies";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { publicError } from "@/lib/errors";
import { runUseCase } from "@/lib/pipeline/use-case";
import type { ActionResult } from "@/lib/pipeline/result";
import {
  addFault,
  clearFaults,
  createCustomerKey,
  customerCaller,
  customerKms,
  OTHER_CUSTOMER_ACCOUNT_ID,
  platformSessionArn,
  policyFor,
  seedOrganization,
  harnessForFile,
  trail,
} from "@/lib/provisioning/__testing__/harness";
import { acknowledgeKeyInstructions, chooseEncryption, createEnvironmentDraft, keyArnWarnings } from "./draft";
import { AWS_UNAVAILABLE_MESSAGE, KEY_OF_ANOTHER_ORGANIZATION_MESSAGE } from "./key-checks";
import { provideKeyArnsUseCase } from "./use-cases";

const REGION = "eu-west-1";
const harness = harnessForFile();

/** A customer-managed draft at the key-ARN step. */
async function draftAtKeyArns(stem: string): Promise<{ caller: CustomerCaller; environmentId: string }> {
  const { userId } = await seedOrganization(stem);
  const caller = await customerCaller(userId);
  const draft = await createEnvironmentDraft(caller, { name: "Checked", region: REGION });
  await chooseEncryption(caller, { environmentId: draft.id, encryptionMode: "CUSTOMER_MANAGED" });
  await acknowledgeKeyInstructions(caller, { environmentId: draft.id });
  return { caller, environmentId: draft.id };
}

/** What the browser gets from the server action: the same pipeline, the same error table. */
async function submitKeyArns(caller: CustomerCaller, input: Record<string, unknown>): Promise<ActionResult> {
  try {
    await runUseCase(provideKeyArnsUseCase, { caller, ipAddress: "203.0.113.9" }, input);
    return { ok: true, data: null };
  } catch (error) {
    const shown = publicError(error);
    return { ok: false, error: shown.message, fieldErrors: shown.fieldErrors };
  }
}

async function keyWith(options: { KeySpec?: "RSA_2048" | "HMAC_256" | "ECC_NIST_P256"; KeyUsage?: "SIGN_VERIFY" | "GENERATE_VERIFY_MAC" | "ENCRYPT_DECRYPT"; Origin?: "EXTERNAL"; policy: KeyPolicyDocument }): Promise<string> {
  const kms = customerKms(REGION);
  try {
    const created = await kms.send(new CreateKeyCommand({ KeySpec: options.KeySpec, KeyUsage: options.KeyUsage, Origin: options.Origin, Policy: JSON.stringify(options.policy) }));
    return created.KeyMetadata?.Arn ?? "";
  } finally {
    kms.destroy();
  }
}

async function customerDoes(command: DisableKeyCommand | ScheduleKeyDeletionCommand | DisableKeyRotationCommand | EnableKeyRotationCommand): Promise<void> {
  const kms = customerKms(REGION);
  try {
    await kms.send(command as DisableKeyCommand);
  } finally {
    kms.destroy();
  }
}

/** The customer account's AWS managed key for RDS, made as AWS makes it: on first use by the service. */
async function awsManagedRdsKey(): Promise<string> {
  const rds = new RDSClient({ region: REGION, endpoint: env().awsEndpoint, credentials: { accessKeyId: "customer", secretAccessKey: "customer" }, maxAttempts: 1 });
  try {
    const out = await rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: `own-${randomUUID().slice(0, 8)}`, Engine: "aurora-postgresql", StorageEncrypted: true, MasterUsername: "me", ManageMasterUserPassword: true }));
    const kms = customerKms(REGION);
    const described = await kms.send(new DescribeKeyCommand({ KeyId: out.DBCluster?.KmsKeyId ?? "" }));
    kms.destroy();
    expect(described.KeyMetadata?.KeyManager).toBe("AWS");
    return described.KeyMetadata?.Arn ?? "";
  } finally {
    rds.destroy();
  }
}

interface CertainFailure {
  name: string;
  field: "s3KeyArn" | "rdsKeyArn";
  /** Makes the bad key for the environment (the other key is made correctly). */
  make: (environmentId: string) => Promise<string>;
  says: string[];
}

const certainFailures: CertainFailure[] = [
  {
    name: "a key that does not exist",
    field: "s3KeyArn",
    make: async () => `arn:aws:kms:${REGION}:123456789012:key/${randomUUID()}`,
    says: ["No KMS key with this ARN exists in account 123456789012, Region eu-west-1", "aws kms describe-key --key-id"],
  },
  {
    name: "a disabled key",
    field: "rdsKeyArn",
    make: async (id) => {
      const arn = await createCustomerKey(REGION, policyFor("rds", id, REGION));
      await customerDoes(new DisableKeyCommand({ KeyId: arn }));
      return arn;
    },
    says: ["This key is disabled", "aws kms enable-key --key-id arn:aws:kms:eu-west-1:123456789012:key/"],
  },
  {
    name: "a key pending deletion",
    field: "s3KeyArn",
    make: async (id) => {
      const arn = await createCustomerKey(REGION, policyFor("s3", id, REGION));
      await customerDoes(new ScheduleKeyDeletionCommand({ KeyId: arn, PendingWindowInDays: 7 }));
      return arn;
    },
    says: [`scheduled for deletion on ${new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10)}`, "aws kms cancel-key-deletion --key-id", "aws kms enable-key"],
  },
  {
    name: "a key waiting for imported material",
    field: "rdsKeyArn",
    make: async (id) => keyWith({ Origin: "EXTERNAL", policy: policyFor("rds", id, REGION) }),
    says: ["imported material (origin EXTERNAL)", "aws kms import-key-material"],
  },
  {
    name: "an asymmetric signing key",
    field: "s3KeyArn",
    make: async (id) => keyWith({ KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY", policy: policyFor("s3", id, REGION) }),
    says: ["This is an asymmetric signing key (RSA_2048, SIGN_VERIFY)", "SYMMETRIC_DEFAULT", "aws kms create-key --key-spec SYMMETRIC_DEFAULT --key-usage ENCRYPT_DECRYPT --region eu-west-1"],
  },
  {
    name: "an asymmetric encryption key",
    field: "rdsKeyArn",
    make: async (id) => keyWith({ KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT", policy: policyFor("rds", id, REGION) }),
    says: ["This is an asymmetric encryption key (RSA_2048)"],
  },
  {
    name: "an HMAC key",
    field: "rdsKeyArn",
    make: async (id) => keyWith({ KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC", policy: policyFor("rds", id, REGION) }),
    says: ["This is an HMAC key (HMAC_256)", "symmetric encryption key"],
  },
  {
    name: "a key with the default key policy",
    field: "s3KeyArn",
    make: async () => {
      const kms = customerKms(REGION);
      const created = await kms.send(new CreateKeyCommand({}));
      kms.destroy();
      return created.KeyMetadata?.Arn ?? "";
    },
    says: ["not allowed to read this key", "AllowPlatformS3Use, AllowPlatformS3DescribeKey, AllowPlatformKeyPreflight", "aws kms get-key-policy"],
  },
  {
    name: "another environment's RDS key (made with the statements for a Globex environment)",
    field: "rdsKeyArn",
    make: async () => createCustomerKey(REGION, policyFor("rds", randomUUID(), REGION, OTHER_CUSTOMER_ACCOUNT_ID), "other-customer"),
    says: ["not allowed to read this key", "AllowPlatformRdsDescribeKey, AllowPlatformRdsGrants, AllowPlatformKeyPreflight"],
  },
  {
    name: "an AWS managed key",
    field: "rdsKeyArn",
    make: async () => awsManagedRdsKey(),
    says: ["An AWS managed key (alias aws/…) can never allow the platform"],
  },
];

describe("certain failures are stopped at the key-ARN step", () => {
  test.each(certainFailures.map((c) => [c.name, c] as const))("%s", async (_name, failure) => {
    const { caller, environmentId } = await draftAtKeyArns("probe");
    const good = {
      s3KeyArn: await createCustomerKey(REGION, policyFor("s3", environmentId, REGION)),
      rdsKeyArn: await createCustomerKey(REGION, policyFor("rds", environmentId, REGION)),
    };
    const bad = await failure.make(environmentId);
    const result = await submitKeyArns(caller, { environmentId, ...good, [failure.field]: bad });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBe("A key ARN needs attention: see the message under the field.");
    expect(Object.keys(result.fieldErrors)).toEqual([failure.field]);
    const message = result.fieldErrors[failure.field]?.join(" ") ?? "";
    for (const words of failure.says) expect(message).toContain(words);
    // Fix commands name the key itself.
    if (message.includes("--key-id")) expect(message).toContain(`--key-id ${bad}`);

    const draft = await db().environment.findUniqueOrThrow({ where: { id: environmentId } });
    expect(draft).toMatchObject({ s3KeyArn: null, rdsKeyArn: null, wizardStep: "keys" });
    const rejected = await db().auditEvent.findFirstOrThrow({ where: { environmentId, action: "environment.draft.key_arns_rejected" } });
    expect(rejected.details).toMatchObject({ stage: "live", fieldErrors: { [failure.field]: [message] } });
    // Whatever the platform tried on the bad key, it did as this environment's session and nothing was allowed but a look.
    const platformCalls = (await trail(harness().sandboxUrl, { keyArn: bad })).filter((e) => e.principal.includes("byok-platform"));
    expect(platformCalls.every((e) => e.principal === platformSessionArn(environmentId))).toBe(true);
    expect(platformCalls.filter((e) => e.result === "allowed" && !["DescribeKey", "GetKeyRotationStatus"].includes(e.action))).toEqual([]);
  });

  test("a key already used by another organization's environment", async () => {
    const first = await draftAtKeyArns("first-owner");
    const second = await draftAtKeyArns("second-owner");
    // One key whose policy carries the statements of both environments (each organization's admin could have added them).
    const both = policyFor("s3", first.environmentId, REGION);
    both.Statement.push(...policyFor("s3", second.environmentId, REGION).Statement.filter((s) => s.Sid !== "Enable IAM User Permissions").map((s) => ({ ...s, Sid: `${s.Sid}Second` })));
    const shared = await createCustomerKey(REGION, both);
    const accepted = await submitKeyArns(first.caller, { environmentId: first.environmentId, s3KeyArn: shared, rdsKeyArn: await createCustomerKey(REGION, policyFor("rds", first.environmentId, REGION)) });
    expect(accepted).toEqual({ ok: true, data: null });
    const result = await submitKeyArns(second.caller, { environmentId: second.environmentId, s3KeyArn: shared, rdsKeyArn: await createCustomerKey(REGION, policyFor("rds", second.environmentId, REGION)) });
    expect(result).toMatchObject({ ok: false, fieldErrors: { s3KeyArn: [KEY_OF_ANOTHER_ORGANIZATION_MESSAGE] } });
  });
});

describe("what does not block", () => {
  test("keys in two accounts and rotation off are accepted, with warnings the review shows", async () => {
    const { caller, environmentId } = await draftAtKeyArns("warned");
    const s3KeyArn = await createCustomerKey(REGION, policyFor("s3", environmentId, REGION));
    await customerDoes(new DisableKeyRotationCommand({ KeyId: s3KeyArn }));
    const rdsKeyArn = await createCustomerKey(REGION, policyFor("rds", environmentId, REGION, OTHER_CUSTOMER_ACCOUNT_ID), "other-customer");
    const result = await submitKeyArns(caller, { environmentId, s3KeyArn, rdsKeyArn });
    expect(result).toEqual({ ok: true, data: null });
    const warnings = await keyArnWarnings(caller, { environmentId });
    expect(warnings).toEqual([
      "Your two keys are in different AWS accounts (S3 key: 123456789012, RDS key: 444455556666). That works, but check that both accounts are meant to hold this environment's keys.",
      `Automatic rotation is off for your S3 key. We recommend turning it on: aws kms enable-key-rotation --key-id ${s3KeyArn} --region ${REGION} --endpoint-url ${harness().sandboxUrl}`,
      `Automatic rotation is off for your RDS key. We recommend turning it on: aws kms enable-key-rotation --key-id ${rdsKeyArn} --region ${REGION} --endpoint-url ${harness().sandboxUrl}`,
    ]);
    expect(await db().environment.findUniqueOrThrow({ where: { id: environmentId } })).toMatchObject({ s3KeyArn, rdsKeyArn, wizardStep: "key-arns" });
  });

  test("AWS throttling the checks: the user is told to try again, nothing is judged, and the next try goes through", async () => {
    const { caller, environmentId } = await draftAtKeyArns("throttled");
    const keys = {
      s3KeyArn: await createCustomerKey(REGION, policyFor("s3", environmentId, REGION)),
      rdsKeyArn: await createCustomerKey(REGION, policyFor("rds", environmentId, REGION)),
    };
    await addFault(harness().sandboxUrl, { service: "kms", operation: "DescribeKey", throttle: true, count: 4, region: REGION });
    const throttled = await submitKeyArns(caller, { environmentId, ...keys });
    expect(throttled).toEqual({ ok: false, error: AWS_UNAVAILABLE_MESSAGE, fieldErrors: {} });
    expect(await db().auditEvent.count({ where: { environmentId, action: "environment.draft.key_arns_rejected" } })).toBe(0);
    await clearFaults(harness().sandboxUrl);
    expect(await submitKeyArns(caller, { environmentId, ...keys })).toEqual({ ok: true, data: null });
  });

  test("AWS unreachable: the same message, never a verdict on the key", async () => {
    const { caller, environmentId } = await draftAtKeyArns("unreachable");
    const keys = {
      s3KeyArn: await createCustomerKey(REGION, policyFor("s3", environmentId, REGION)),
      rdsKeyArn: await createCustomerKey(REGION, policyFor("rds", environmentId, REGION)),
    };
    await addFault(harness().sandboxUrl, { service: "kms", operation: "DescribeKey", status500: true, count: 4, region: REGION });
    expect(await submitKeyArns(caller, { environmentId, ...keys })).toEqual({ ok: false, error: AWS_UNAVAILABLE_MESSAGE, fieldErrors: {} });
    await clearFaults(harness().sandboxUrl);
  });
});
