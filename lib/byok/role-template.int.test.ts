/**
 * Role mode end to end, as the customer and the platform would do it: the real `aws` CLI runs
 * the deploy, describe-stacks and validation commands the portal displays in sandbox mode (with
 * `--endpoint-url`), verbatim, against the sandbox as the customer; then the platform assumes the
 * created role with the organization's External ID and uses the key for its tenant, and for
 * nothing else.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { DecryptCommand, DescribeKeyCommand, EncryptCommand, GenerateDataKeyCommand } from "@aws-sdk/client-kms";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { RunningSandbox } from "@/sandbox/server";
import { type ClientSet, awsError, clientsWithCredentials, platformSession, startTestSandbox } from "@/sandbox/test-support";
import {
  assumeRoleRefusalCheck,
  deployRoleCreatingKeyCommand,
  deployRoleWithExistingKeyCommand,
  describeRoleStackCommand,
  roleValidationCommands,
  type RoleCommandContext,
} from "./role-commands";
import { buildAccountRootStatement } from "./policies";
import { roleKeyPolicyStatements, rolePermissionsPolicy, roleTrustPolicy } from "./role-mode";
import { renderRoleModeTemplate, ROLE_PAYLOAD_FIELDS, ROLE_TEMPLATE_FILE_NAME, roleNameFor } from "./role-template";

const run = promisify(execFile);
const AWS = "/usr/bin/aws";
const REGION = "eu-west-1";
const PROFILE_REGION = "us-east-1";
const CUSTOMER_ACCOUNT = "123456789012";
const ENVIRONMENT_ID = "0f3c6b2e-8d1a-4c5e-9b7f-2a6d8e4c1f90";
const PLATFORM = { partition: "aws", platformAccountId: "210987654321", platformRoleArn: "arn:aws:iam::210987654321:role/byok-platform" };

/** Two organizations of the same customer account: one lets the stack create its key, one brings a key. */
const ORGANIZATIONS = {
  acme: { ...PLATFORM, externalId: "byok-AcmeAcmeAcmeAcmeAcme1234", tenant: "acme-7k2q", region: REGION },
  globex: { ...PLATFORM, externalId: "byok-GlobexGlobexGlobex_-1234", tenant: "globex-3m9x", region: REGION },
};

let sandbox: RunningSandbox;
let workdir: string;
/** The organizations' command contexts in sandbox mode: every displayed command carries the sandbox's URL. */
let acme: RoleCommandContext;
let globex: RoleCommandContext;

beforeAll(async () => {
  if (!fs.existsSync(AWS)) {
    throw new Error(`${AWS} is missing: install Debian's awscli (apt-get install -y awscli); the test runner does this before the integration suite.`);
  }
  sandbox = await startTestSandbox();
  acme = { ...ORGANIZATIONS.acme, endpointUrl: sandbox.url };
  globex = { ...ORGANIZATIONS.globex, endpointUrl: sandbox.url };
  workdir = fs.mkdtempSync(path.join(os.tmpdir(), "byok-role-cli-"));
  // The displayed commands name the profile `byok`: the customer's profile, here the sandbox's customer identity.
  // Its default Region is not the environment's, so a command that forgot --region would look in the wrong place.
  fs.writeFileSync(path.join(workdir, "credentials"), "[byok]\naws_access_key_id = customer\naws_secret_access_key = customer\n");
  fs.writeFileSync(path.join(workdir, "config"), `[profile byok]\nregion = ${PROFILE_REGION}\n`);
  for (const organization of [acme, globex]) {
    fs.mkdirSync(path.join(workdir, organization.tenant));
    fs.writeFileSync(path.join(workdir, organization.tenant, ROLE_TEMPLATE_FILE_NAME), renderRoleModeTemplate(organization));
  }
});

afterAll(async () => {
  await sandbox?.close();
  if (workdir) fs.rmSync(workdir, { recursive: true, force: true });
});

/** Only the `byok` profile: no credentials, config or Region from the machine running the tests. */
function cliEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith("AWS_")) delete env[name];
  return {
    ...env,
    HOME: workdir,
    AWS_PAGER: "",
    AWS_CONFIG_FILE: path.join(workdir, "config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(workdir, "credentials"),
  };
}

/** Runs an `aws …` command line (with its `\` continuations) as is, in the organization's folder, where its template is. */
async function aws(commandLine: string, cwd = workdir): Promise<{ stdout: string; stderr: string; code: number }> {
  // Never a call to AWS itself from a test.
  expect(commandLine).toContain(`--endpoint-url ${sandbox.url}`);
  try {
    const { stdout, stderr } = await run("bash", ["-c", commandLine], { cwd, env: { ...cliEnvironment(), PATH: `${path.dirname(AWS)}:/bin` }, timeout: 120_000 });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; code?: number };
    return { stdout: e.stdout ?? "", stderr: e.stderr ?? "", code: typeof e.code === "number" ? e.code : 1 };
  }
}

async function deployed(command: string, organization: RoleCommandContext): Promise<{ roleArn: string; keyArn: string }> {
  const deploy = await aws(command, path.join(workdir, organization.tenant));
  expect(deploy.stderr).toBe("");
  expect(deploy.code).toBe(0);
  expect(deploy.stdout).toContain("Successfully created/updated stack");
  const described = await aws(describeRoleStackCommand(organization));
  expect(described.code).toBe(0);
  const payload = JSON.parse(described.stdout.trim()) as Record<string, unknown>;
  expect(Object.keys(payload).sort()).toEqual([ROLE_PAYLOAD_FIELDS.keyArn, ROLE_PAYLOAD_FIELDS.roleArn]);
  const { roleArn, keyArn } = payload;
  if (typeof roleArn !== "string" || typeof keyArn !== "string") throw new Error(`Unexpected payload ${described.stdout}`);
  expect(roleArn).toBe(`arn:aws:iam::${CUSTOMER_ACCOUNT}:role/${roleNameFor(organization.tenant)}`);
  expect(keyArn).toMatch(new RegExp(`^arn:aws:kms:${REGION}:${CUSTOMER_ACCOUNT}:key/`));
  return { roleArn, keyArn };
}

function sessionClients(out: { Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string } }): ClientSet {
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error("AssumeRole returned no credentials");
  return clientsWithCredentials(sandbox.url, { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken }, REGION);
}

/** The platform's environment session assumes the customer's role, as the portal will. */
async function assumeAsPlatform(roleArn: string, externalId: string | undefined): Promise<ClientSet> {
  const platform = await platformSession(sandbox.url, ENVIRONMENT_ID, REGION);
  return sessionClients(await platform.sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: `byok-env-${ENVIRONMENT_ID}`, ExternalId: externalId })));
}

/** A data key for the tenant and its decryption, as the platform's envelope encryption does. */
async function dataKeyRoundTrip(session: ClientSet, keyArn: string, tenant: string): Promise<void> {
  const context = { tenant };
  const dataKey = await session.kms.send(new GenerateDataKeyCommand({ KeyId: keyArn, KeySpec: "AES_256", EncryptionContext: context }));
  expect(dataKey.KeyId).toBe(keyArn);
  const plain = await session.kms.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob, EncryptionContext: context }));
  expect(Buffer.from(plain.Plaintext ?? new Uint8Array()).equals(Buffer.from(dataKey.Plaintext ?? new Uint8Array()))).toBe(true);
}

describe("role mode through the displayed commands", () => {
  let acmeStack: { roleArn: string; keyArn: string };
  let globexStack: { roleArn: string; keyArn: string };

  test("the customer deploys both variants with the aws CLI: a stack that creates its key, and one for an existing key", async () => {
    acmeStack = await deployed(deployRoleCreatingKeyCommand(acme), acme);

    const created = await aws(`aws kms create-key --profile byok --region ${REGION} --endpoint-url ${sandbox.url} --description globex-data --query KeyMetadata.Arn --output text`);
    expect(created.code).toBe(0);
    const existingKeyArn = created.stdout.trim();
    globexStack = await deployed(deployRoleWithExistingKeyCommand({ ...globex, keyArn: existingKeyArn }), globex);
    expect(globexStack.keyArn).toBe(existingKeyArn);
    expect(acmeStack.keyArn).not.toBe(existingKeyArn);
  });

  test("the created key: enabled, symmetric, rotating, and kept in the payload", async () => {
    const describe = await aws(roleValidationCommands({ ...acme, ...acmeStack }).describeKey);
    expect(describe.code).toBe(0);
    const meta = (JSON.parse(describe.stdout) as { KeyMetadata: Record<string, unknown> }).KeyMetadata;
    expect(meta).toMatchObject({ Arn: acmeStack.keyArn, KeyState: "Enabled", KeySpec: "SYMMETRIC_DEFAULT", KeyUsage: "ENCRYPT_DECRYPT", KeyManager: "CUSTOMER" });
    const rotation = await aws(`aws kms get-key-rotation-status --profile byok --region ${REGION} --endpoint-url ${sandbox.url} --key-id ${acmeStack.keyArn} --output json`);
    expect(JSON.parse(rotation.stdout)).toMatchObject({ KeyRotationEnabled: true });
    // The key policy names the role the same stack created (GetAtt Role.Arn, resolved once the role exists).
    const policy = await aws(`aws kms get-key-policy --profile byok --region ${REGION} --endpoint-url ${sandbox.url} --key-id ${acmeStack.keyArn} --policy-name default --query Policy --output text`);
    expect(JSON.parse(policy.stdout)).toEqual({
      Version: "2012-10-17",
      Statement: [buildAccountRootStatement("aws", CUSTOMER_ACCOUNT), ...roleKeyPolicyStatements({ ...acme, roleArn: acmeStack.roleArn })],
    });
  });

  test.each([
    ["acme (created key)", () => ({ organization: acme, stack: acmeStack })],
    ["globex (existing key)", () => ({ organization: globex, stack: globexStack })],
  ])("%s: the validation commands show the trust policy and the permissions policy role-mode.ts renders", async (_name, which) => {
    const { organization, stack } = which();
    const commands = roleValidationCommands({ ...organization, ...stack });
    const trust = await aws(commands.getRole);
    expect(trust.code).toBe(0);
    expect(JSON.parse(trust.stdout)).toEqual(roleTrustPolicy(organization));
    const permissions = await aws(commands.getRolePolicy);
    expect(permissions.code).toBe(0);
    expect(JSON.parse(permissions.stdout)).toEqual(rolePermissionsPolicy({ ...organization, keyArn: stack.keyArn }));
  });

  test("the seed's assume-role, run by the customer, is refused: only the platform may assume the role", async () => {
    const refused = await aws(assumeRoleRefusalCheck({ ...acme, roleArn: acmeStack.roleArn }));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("AccessDenied");
    expect(refused.stderr).toContain(`sts:AssumeRole on resource: ${acmeStack.roleArn}`);
  });

  test.each([
    ["acme (created key)", () => ({ organization: acme, stack: acmeStack })],
    ["globex (existing key)", () => ({ organization: globex, stack: globexStack })],
  ])("%s: the platform assumes the role with the External ID and uses the key for the tenant", async (_name, which) => {
    const { organization, stack } = which();
    const session = await assumeAsPlatform(stack.roleArn, organization.externalId);
    await dataKeyRoundTrip(session, stack.keyArn, organization.tenant);
    expect((await session.kms.send(new DescribeKeyCommand({ KeyId: stack.keyArn }))).KeyMetadata?.Arn).toBe(stack.keyArn);
  });

  test.each([
    ["without an External ID", undefined],
    ["with another organization's External ID", ORGANIZATIONS.globex.externalId],
    ["with a made-up External ID", "byok-XXXXXXXXXXXXXXXXXXXXXXXX"],
  ])("the platform's AssumeRole %s is refused", async (_name, externalId) => {
    const error = await awsError(() => assumeAsPlatform(acmeStack.roleArn, externalId));
    expect(error).toMatchObject({ name: "AccessDenied", status: 403 });
    expect(error.message).toContain(`is not authorized to perform: sts:AssumeRole on resource: ${acmeStack.roleArn}`);
  });

  test("the role's session may not use the key for another tenant, without a context, for Encrypt, or use another organization's key", async () => {
    const session = await assumeAsPlatform(acmeStack.roleArn, acme.externalId);
    const otherTenant = await awsError(() => session.kms.send(new GenerateDataKeyCommand({ KeyId: acmeStack.keyArn, KeySpec: "AES_256", EncryptionContext: { tenant: globex.tenant } })));
    expect(otherTenant).toMatchObject({ name: "AccessDeniedException", status: 400 });
    expect(otherTenant.message).toContain(`is not authorized to perform: kms:GenerateDataKey on resource: ${acmeStack.keyArn}`);
    const noContext = await awsError(() => session.kms.send(new GenerateDataKeyCommand({ KeyId: acmeStack.keyArn, KeySpec: "AES_256" })));
    expect(noContext.name).toBe("AccessDeniedException");
    const encrypt = await awsError(() => session.kms.send(new EncryptCommand({ KeyId: acmeStack.keyArn, Plaintext: Buffer.from("x"), EncryptionContext: { tenant: acme.tenant } })));
    expect(encrypt.name).toBe("AccessDeniedException");
    // Globex's key with Globex's tenant context: still not Acme's role's key.
    const otherKey = await awsError(() => session.kms.send(new GenerateDataKeyCommand({ KeyId: globexStack.keyArn, KeySpec: "AES_256", EncryptionContext: { tenant: globex.tenant } })));
    expect(otherKey.name).toBe("AccessDeniedException");
  });

  test("deleting the stack removes the role, so the platform loses access, and keeps the created key", async () => {
    const deleted = await aws(`aws cloudformation delete-stack --profile byok --region ${REGION} --endpoint-url ${sandbox.url} --stack-name byok-role-${acme.tenant}`);
    expect(deleted.code).toBe(0);
    const error = await awsError(() => assumeAsPlatform(acmeStack.roleArn, acme.externalId));
    expect(error.name).toBe("AccessDenied");
    const key = await aws(roleValidationCommands({ ...acme, ...acmeStack }).describeKey);
    expect((JSON.parse(key.stdout) as { KeyMetadata: { KeyState: string } }).KeyMetadata.KeyState).toBe("Enabled");
  });
});
