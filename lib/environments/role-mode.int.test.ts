/**
 * Role mode (F8) end to end against the AWS sandbox, through the portal's services: the
 * organization's External ID, the key-ARN step's live checks through the customer's role (each
 * refusal with its own message), provisioning with the environment's data key made under the
 * customer's key and kept only wrapped (SSE-C storage), and key health through the role.
 */
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand, UpdateAssumeRolePolicyCommand } from "@aws-sdk/client-iam";
import { CreateKeyCommand, DisableKeyCommand, EnableKeyCommand } from "@aws-sdk/client-kms";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, test } from "vitest";
import type { CustomerCaller } from "@/lib/auth/caller";
import { roleKeyPolicyStatements, rolePermissionsPolicy, roleTrustPolicy, type RoleModeValues } from "@/lib/byok/role-mode";
import { environmentAwsClients } from "@/lib/aws/environment-session";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { runKeyHealthCheck } from "@/lib/key-health/service";
import { bucketName, MARKER_OBJECT_KEY } from "@/lib/provisioning/names";
import { runProvisioningAttempt } from "@/lib/provisioning/run";
import { customerCaller, customerKms, harnessForFile, refusal, seedOrganization, submit, trail } from "@/lib/provisioning/__testing__/harness";
import { acknowledgeKeyInstructions, chooseEncryption, createEnvironmentDraft } from "./draft";
import { changeRoleKey } from "./change-key-arns";
import { chooseKeyAccess, organizationExternalId, provideRoleKey, roleModeValuesFor } from "./role-access";

const REGION = "eu-west-1";
const CUSTOMER_ACCOUNT_ID = "123456789012";
const harness = harnessForFile();

let iam: IAMClient;
beforeAll(() => {
  iam = new IAMClient({ region: "us-east-1", endpoint: harness().sandboxUrl, credentials: { accessKeyId: "customer", secretAccessKey: "customer" }, maxAttempts: 1 });
});

interface RoleDraft {
  caller: CustomerCaller;
  environmentId: string;
  values: RoleModeValues;
}

async function roleDraft(stem: string): Promise<RoleDraft> {
  const { userId, organizationId } = await seedOrganization(stem);
  const caller = await customerCaller(userId);
  const draft = await createEnvironmentDraft(caller, { name: "Role mode", region: REGION });
  await chooseEncryption(caller, { environmentId: draft.id, encryptionMode: "CUSTOMER_MANAGED" });
  await chooseKeyAccess(caller, { environmentId: draft.id, keyAccess: "ROLE" });
  await acknowledgeKeyInstructions(caller, { environmentId: draft.id });
  return { caller, environmentId: draft.id, values: await roleModeValuesFor(organizationId) };
}

async function customerKey(policy?: object): Promise<string> {
  const kms = customerKms(REGION);
  try {
    const created = await kms.send(new CreateKeyCommand(policy ? { Policy: JSON.stringify(policy) } : {}));
    return created.KeyMetadata?.Arn ?? "";
  } finally {
    kms.destroy();
  }
}

/** The customer's role as the portal's documents describe it, with the changes a test makes. */
async function customerRole(values: RoleModeValues, keyArn: string, options: { trust?: object; permissions?: object } = {}): Promise<string> {
  const name = `byok-${randomUUID().slice(0, 8)}`;
  const created = await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(options.trust ?? roleTrustPolicy(values)) }));
  await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: "byok-key-use", PolicyDocument: JSON.stringify(options.permissions ?? rolePermissionsPolicy({ ...values, keyArn })) }));
  return created.Role?.Arn ?? "";
}

function roleNameOf(roleArn: string): string {
  return roleArn.slice(roleArn.lastIndexOf("/") + 1);
}

async function asCustomer(command: DisableKeyCommand | EnableKeyCommand): Promise<void> {
  const kms = customerKms(REGION);
  try {
    await kms.send(command as DisableKeyCommand);
  } finally {
    kms.destroy();
  }
}

async function keyArnError(draft: RoleDraft, roleArn: string, keyArn: string, field: "roleArn" | "keyArn"): Promise<string> {
  const error = await refusal(provideRoleKey(draft.caller, { environmentId: draft.environmentId, roleArn, keyArn }));
  return error.fieldErrors?.[field]?.join(" ") ?? `(no message under ${field}: ${JSON.stringify(error.fieldErrors)})`;
}

describe("the organization's External ID", () => {
  test("is issued once, unguessable, the same for every environment of the organization, and the database refuses to change it", async () => {
    const { organizationId } = await seedOrganization("extid");
    const first = await organizationExternalId(organizationId);
    expect(first).toMatch(/^byok-[A-Za-z0-9_-]{24}$/);
    expect(await Promise.all([organizationExternalId(organizationId), organizationExternalId(organizationId)])).toEqual([first, first]);
    const other = await seedOrganization("extid-other");
    expect(await organizationExternalId(other.organizationId)).not.toBe(first);
    await expect(db().organization.update({ where: { id: organizationId }, data: { externalId: "byok-AAAAAAAAAAAAAAAAAAAAAAAA" } })).rejects.toThrow(/fixed once issued/);
    await expect(db().organization.update({ where: { id: organizationId }, data: { externalId: null } })).rejects.toThrow(/fixed once issued/);
  });
});

describe("the key-ARN step in role mode", () => {
  test("a role and key set up as shown are accepted, and the check's key uses carry the tenant's encryption context", async () => {
    const draft = await roleDraft("role-ok");
    const keyArn = await customerKey();
    const roleArn = await customerRole(draft.values, keyArn);
    const updated = await provideRoleKey(draft.caller, { environmentId: draft.environmentId, roleArn, keyArn });
    expect(updated).toMatchObject({ keyAccess: "ROLE", roleArn, s3KeyArn: keyArn, rdsKeyArn: null, wizardStep: "key-arns" });
    const uses = await trail(harness().sandboxUrl, { keyArn, action: "GenerateDataKey" });
    expect(uses.at(-1)).toMatchObject({ result: "allowed", principal: expect.stringContaining(`assumed-role/${roleNameOf(roleArn)}/byok-env-${draft.environmentId}`) });
    expect(JSON.stringify(uses.at(-1))).toContain(draft.values.tenant);
  });

  test("a trust policy with another External ID is refused, naming the organization's External ID", async () => {
    const draft = await roleDraft("role-extid");
    const keyArn = await customerKey();
    const roleArn = await customerRole(draft.values, keyArn, { trust: roleTrustPolicy({ ...draft.values, externalId: "byok-AAAAAAAAAAAAAAAAAAAAAAAA" }) });
    const message = await keyArnError(draft, roleArn, keyArn, "roleArn");
    expect(message).toContain(`"sts:ExternalId": "${draft.values.externalId}"`);
    expect(message).toContain("another External ID");
  });

  test("a trust policy that does not require the External ID is refused", async () => {
    const draft = await roleDraft("role-noextid");
    const keyArn = await customerKey();
    const open = roleTrustPolicy(draft.values);
    const trust = { ...open, Statement: open.Statement.map(({ Condition: _condition, ...statement }) => statement) };
    const roleArn = await customerRole(draft.values, keyArn, { trust });
    expect(await keyArnError(draft, roleArn, keyArn, "roleArn")).toContain("lets the platform assume it without your External ID");
  });

  test("a permissions policy without kms:Decrypt, a key policy that does not allow the role, a disabled key: each its own message", async () => {
    const draft = await roleDraft("role-perms");
    const keyArn = await customerKey();
    const full = rolePermissionsPolicy({ ...draft.values, keyArn });
    const noDecrypt = { ...full, Statement: full.Statement.map((s) => ({ ...s, Action: s.Action.filter((a) => a !== "kms:Decrypt") })) };
    const roleArn = await customerRole(draft.values, keyArn, { permissions: noDecrypt });
    expect(await keyArnError(draft, roleArn, keyArn, "keyArn")).toContain("The role may not call kms:Decrypt on this key: its permissions policy lacks it");

    // A key policy without the account's root statement and without the role's statements.
    const lockedKey = await customerKey({
      Version: "2012-10-17",
      Statement: [{ Sid: "AdminsOnly", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${CUSTOMER_ACCOUNT_ID}:user/customer-admin` }, Action: "kms:*", Resource: "*" }],
    });
    const lockedRole = await customerRole(draft.values, lockedKey);
    expect(await keyArnError(draft, lockedRole, lockedKey, "keyArn")).toContain("The key's policy does not let the role call kms:DescribeKey");

    const disabledKey = await customerKey();
    const disabledRole = await customerRole(draft.values, disabledKey);
    await asCustomer(new DisableKeyCommand({ KeyId: disabledKey }));
    expect(await keyArnError(draft, disabledRole, disabledKey, "keyArn")).toContain("This key is disabled");
  });

  test("a key policy with only the role's statements (no root delegation) is enough", async () => {
    const draft = await roleDraft("role-keypolicy");
    const name = `byok-${randomUUID().slice(0, 8)}`;
    const roleArn = `arn:aws:iam::${CUSTOMER_ACCOUNT_ID}:role/${name}`;
    const keyArn = await customerKey({
      Version: "2012-10-17",
      Statement: [
        { Sid: "AdminsOnly", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${CUSTOMER_ACCOUNT_ID}:user/customer-admin` }, Action: "kms:*", Resource: "*" },
        ...roleKeyPolicyStatements({ ...draft.values, roleArn }),
      ],
    });
    await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(roleTrustPolicy(draft.values)) }));
    await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: "byok-key-use", PolicyDocument: JSON.stringify(rolePermissionsPolicy({ ...draft.values, keyArn })) }));
    await expect(provideRoleKey(draft.caller, { environmentId: draft.environmentId, roleArn, keyArn })).resolves.toMatchObject({ roleArn, s3KeyArn: keyArn });
  });
});

describe("a role-mode environment", () => {
  test("provisions with its data key made under the customer's key and kept only wrapped, and key health works through the role", async () => {
    const draft = await roleDraft("role-ready");
    const keyArn = await customerKey();
    const roleArn = await customerRole(draft.values, keyArn);
    await provideRoleKey(draft.caller, { environmentId: draft.environmentId, roleArn, keyArn });
    const { attemptId } = await submit(draft.environmentId, draft.caller.userId);
    expect(await runProvisioningAttempt(attemptId)).toBe("succeeded");

    const environment = await db().environment.findUniqueOrThrow({ where: { id: draft.environmentId } });
    expect(environment.status).toBe("READY");
    // Stored wrapped: a KMS ciphertext blob, never a 32-byte plaintext key.
    expect(environment.wrappedDataKey?.length ?? 0).toBeGreaterThan(32);
    const made = await trail(harness().sandboxUrl, { keyArn, action: "GenerateDataKey" });
    expect(JSON.stringify(made.at(-1))).toContain("environment-data-key");

    // The marker object is encrypted with the data key (SSE-C): without it S3 refuses to read it.
    const s3 = environmentAwsClients(REGION, draft.environmentId).s3;
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucketName(env().resourcePrefix, draft.environmentId, "data"), Key: MARKER_OBJECT_KEY })).catch((error: { $metadata?: { httpStatusCode?: number } }) => error);
    expect(head).toMatchObject({ $metadata: { httpStatusCode: 400 } });
    const storage = await db().provisioningStep.findFirstOrThrow({ where: { environmentId: draft.environmentId, key: "object-storage" } });
    expect(storage.output).toMatchObject({ buckets: [{ encryption: "SSE-C", kmsKeyArn: keyArn }, { encryption: "SSE-C", kmsKeyArn: keyArn }] });

    const healthy = await runKeyHealthCheck(draft.environmentId, "check-now");
    expect(healthy).toMatchObject({ state: "HEALTHY" });

    await asCustomer(new DisableKeyCommand({ KeyId: keyArn }));
    expect(await runKeyHealthCheck(draft.environmentId, "check-now")).toMatchObject({ state: "KEY_DISABLED" });
    await asCustomer(new EnableKeyCommand({ KeyId: keyArn }));
    expect(await runKeyHealthCheck(draft.environmentId, "check-now")).toMatchObject({ state: "HEALTHY" });

    // The customer revokes the platform: the role no longer trusts it.
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: roleNameOf(roleArn), PolicyDocument: JSON.stringify(roleTrustPolicy({ ...draft.values, externalId: "byok-AAAAAAAAAAAAAAAAAAAAAAAA" })) }));
    const { forgetCustomerRoleSessions } = await import("@/lib/aws/customer-role");
    forgetCustomerRoleSessions(draft.environmentId);
    expect(await runKeyHealthCheck(draft.environmentId, "check-now")).toMatchObject({ state: "ACCESS_DENIED" });
  });

  test("fails on a disabled key with the key's state diagnosed through the role; another key then provisions after a retry", async () => {
    const draft = await roleDraft("role-fix");
    const keyArn = await customerKey();
    const roleArn = await customerRole(draft.values, keyArn);
    await provideRoleKey(draft.caller, { environmentId: draft.environmentId, roleArn, keyArn });
    await asCustomer(new DisableKeyCommand({ KeyId: keyArn }));
    const first = await submit(draft.environmentId, draft.caller.userId);
    expect(await runProvisioningAttempt(first.attemptId)).toBe("failed");
    const failed = await db().provisioningStep.findFirstOrThrow({ where: { attemptId: first.attemptId, key: "object-storage" } });
    expect(failed).toMatchObject({ status: "FAILED", errorCode: "DisabledException" });
    expect(failed.output).toMatchObject({ keyDiagnosis: { key: "s3", keyArn, keyState: "Disabled" } });

    // The customer makes another key, lets the same role use it, and changes the key ARN.
    const newKey = await customerKey();
    await iam.send(new PutRolePolicyCommand({ RoleName: roleNameOf(roleArn), PolicyName: "byok-key-use", PolicyDocument: JSON.stringify(rolePermissionsPolicy({ ...draft.values, keyArn: newKey })) }));
    const changed = await changeRoleKey(draft.caller, { environmentId: draft.environmentId, roleArn, keyArn: newKey });
    expect(changed.changed).toEqual(["keyArn"]);
    const retry = await submit(draft.environmentId, draft.caller.userId, "retry");
    expect(await runProvisioningAttempt(retry.attemptId)).toBe("succeeded");
    expect(await db().environment.findUniqueOrThrow({ where: { id: draft.environmentId }, select: { status: true, s3KeyArn: true } })).toEqual({ status: "READY", s3KeyArn: newKey });
    const made = await trail(harness().sandboxUrl, { keyArn: newKey, action: "GenerateDataKey" });
    expect(JSON.stringify(made)).toContain("environment-data-key");
  });
});
