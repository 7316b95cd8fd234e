/**
 * KMS answers against @aws-sdk/client-kms's model: the operations the portal calls and the ones
 * the `aws kms …` commands it shows run (describe-key, enable-key, cancel-key-deletion,
 * enable-key-rotation, get-key-policy, put-key-policy, create-alias, tag-resource).
 */
import {
  CancelKeyDeletionCommand, CreateAliasCommand, CreateGrantCommand, CreateKeyCommand, DescribeKeyCommand, DisableKeyCommand, DisableKeyRotationCommand,
  EnableKeyCommand, EnableKeyRotationCommand, GetKeyPolicyCommand, GetKeyRotationStatusCommand, ListGrantsCommand, PutKeyPolicyCommand, RevokeGrantCommand,
  ScheduleKeyDeletionCommand, TagResourceCommand,
} from "@aws-sdk/client-kms";
import { afterAll, beforeAll, beforeEach, test } from "vitest";
import { PLATFORM_ROLE_ARN } from "../identities";
import type { RunningSandbox } from "../server";
import { startTestSandbox } from "../test-support";
import { expectContract } from "./models";
import { type RecordingClients, recordingClients } from "./recording";

let sandbox: RunningSandbox;
let customer: RecordingClients;
let keyArn: string;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  customer = recordingClients(sandbox.url, "customer", "eu-west-1");
});
afterAll(async () => sandbox.close());
beforeEach(async () => {
  sandbox.reset();
  const created = await customer.kms.send(new CreateKeyCommand({ Description: "contract", Tags: [{ TagKey: "byok-environment", TagValue: "env-1" }] }));
  keyArn = created.KeyMetadata?.Arn ?? "";
});

const kms = <T>(operation: string, call: () => Promise<T>) => expectContract(customer.handler, "kms", operation, call);

test("CreateKey", async () => {
  await kms("CreateKey", () => customer.kms.send(new CreateKeyCommand({ Description: "contract", KeyUsage: "ENCRYPT_DECRYPT", KeySpec: "SYMMETRIC_DEFAULT" })));
});

test("DescribeKey (enabled, disabled, pending deletion)", async () => {
  await kms("DescribeKey", () => customer.kms.send(new DescribeKeyCommand({ KeyId: keyArn })));
  await customer.kms.send(new DisableKeyCommand({ KeyId: keyArn }));
  await kms("DescribeKey", () => customer.kms.send(new DescribeKeyCommand({ KeyId: keyArn })));
  await customer.kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyArn, PendingWindowInDays: 7 }));
  await kms("DescribeKey", () => customer.kms.send(new DescribeKeyCommand({ KeyId: keyArn })));
});

test("DisableKey and EnableKey", async () => {
  await kms("DisableKey", () => customer.kms.send(new DisableKeyCommand({ KeyId: keyArn })));
  await kms("EnableKey", () => customer.kms.send(new EnableKeyCommand({ KeyId: keyArn })));
});

test("ScheduleKeyDeletion and CancelKeyDeletion", async () => {
  await kms("ScheduleKeyDeletion", () => customer.kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyArn, PendingWindowInDays: 7 })));
  await kms("CancelKeyDeletion", () => customer.kms.send(new CancelKeyDeletionCommand({ KeyId: keyArn })));
});

test("GetKeyRotationStatus, EnableKeyRotation, DisableKeyRotation", async () => {
  await kms("EnableKeyRotation", () => customer.kms.send(new EnableKeyRotationCommand({ KeyId: keyArn })));
  await kms("GetKeyRotationStatus", () => customer.kms.send(new GetKeyRotationStatusCommand({ KeyId: keyArn })));
  await kms("DisableKeyRotation", () => customer.kms.send(new DisableKeyRotationCommand({ KeyId: keyArn })));
  await kms("GetKeyRotationStatus", () => customer.kms.send(new GetKeyRotationStatusCommand({ KeyId: keyArn })));
});

test("GetKeyPolicy and PutKeyPolicy", async () => {
  const current = await kms("GetKeyPolicy", () => customer.kms.send(new GetKeyPolicyCommand({ KeyId: keyArn, PolicyName: "default" })));
  await kms("PutKeyPolicy", () => customer.kms.send(new PutKeyPolicyCommand({ KeyId: keyArn, PolicyName: "default", Policy: current.Policy ?? "" })));
});

test("CreateGrant, ListGrants and RevokeGrant", async () => {
  const grant = await kms("CreateGrant", () => customer.kms.send(new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: PLATFORM_ROLE_ARN, Operations: ["Decrypt", "GenerateDataKey"] })));
  await kms("ListGrants", () => customer.kms.send(new ListGrantsCommand({ KeyId: keyArn })));
  await kms("RevokeGrant", () => customer.kms.send(new RevokeGrantCommand({ KeyId: keyArn, GrantId: grant.GrantId ?? "" })));
});

test("CreateAlias and TagResource", async () => {
  await kms("CreateAlias", () => customer.kms.send(new CreateAliasCommand({ AliasName: "alias/byok-contract", TargetKeyId: keyArn })));
  await kms("TagResource", () => customer.kms.send(new TagResourceCommand({ KeyId: keyArn, Tags: [{ TagKey: "team", TagValue: "storage" }] })));
});
