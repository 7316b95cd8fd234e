/**
 * Role mode end to end through the real SDK: a customer's role trusts the platform role with an
 * External ID; the platform's environment session assumes it; the role's inline policies and
 * the key policy decide what the role's sessions may do with the customer's keys.
 */
import { CreateRoleCommand, DeleteRoleCommand, DeleteRolePolicyCommand, IAMClient, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { CreateKeyCommand, DecryptCommand, DescribeKeyCommand, EncryptCommand, GenerateDataKeyCommand } from "@aws-sdk/client-kms";
import { AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { CUSTOMER_ACCOUNT_ID, ENVIRONMENT_TAG_KEY, OTHER_CUSTOMER_ACCOUNT_ID, PLATFORM_ROLE_ARN } from "../../identities";
import type { RunningSandbox } from "../../server";
import { type ClientSet, awsError, clientsFor, clientsWithCredentials, platformSession, startTestSandbox } from "../../test-support";

const REGION = "eu-west-1";
const ENVIRONMENT_ID = "0f3c6b2e-8d1a-4c5e-9b7f-2a6d8e4c1f90";
const EXTERNAL_ID = "byok-7d0c2f4e9b1a4c6d8e2f0a1b3c5d7e9f";
const ROLE_NAME = "byok-platform-access";
const ROLE_ARN = `arn:aws:iam::${CUSTOMER_ACCOUNT_ID}:role/${ROLE_NAME}`;
const TENANT_CONTEXT = { "byok:tenant": "acme" };

let sandbox: RunningSandbox;
let customer: ClientSet;
let otherCustomer: ClientSet;
let customerIam: IAMClient;
let otherIam: IAMClient;

function iamFor(identity: string): IAMClient {
  return new IAMClient({ region: "us-east-1", endpoint: sandbox.url, credentials: { accessKeyId: identity, secretAccessKey: identity }, maxAttempts: 1 });
}

beforeAll(async () => {
  sandbox = await startTestSandbox();
  customer = clientsFor(sandbox.url, "customer", REGION);
  otherCustomer = clientsFor(sandbox.url, "other-customer", REGION);
  customerIam = iamFor("customer");
  otherIam = iamFor("other-customer");
});
afterAll(async () => sandbox.close());
beforeEach(() => sandbox.reset());

/**
 * The trust policy role mode asks for. `sts:TagSession` is there because the platform's
 * environment sessions carry a transitive session tag, which passes on to the role's session.
 */
function trustPolicy(externalId: string, actions: string[] = ["sts:AssumeRole", "sts:TagSession"]): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: PLATFORM_ROLE_ARN }, Action: actions, Condition: { StringEquals: { "sts:ExternalId": externalId } } }],
  });
}

function keyUsePolicy(keyArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "UseTenantKey", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: keyArn, Condition: { StringEquals: { "kms:EncryptionContext:byok:tenant": "acme" } } },
      { Sid: "DescribeTenantKey", Effect: "Allow", Action: "kms:DescribeKey", Resource: keyArn },
    ],
  });
}

/** The key policy a new key gets by default: the account's IAM policies decide. */
function rootDelegation(accountId: string): Record<string, unknown> {
  return { Sid: "Enable IAM User Permissions", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: "kms:*", Resource: "*" };
}

async function createKey(owner: ClientSet, statements: Array<Record<string, unknown>>): Promise<string> {
  const out = await owner.kms.send(new CreateKeyCommand({ Policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }) }));
  return out.KeyMetadata?.Arn ?? "";
}

async function createRole(trust = trustPolicy(EXTERNAL_ID)): Promise<void> {
  await customerIam.send(new CreateRoleCommand({ RoleName: ROLE_NAME, AssumeRolePolicyDocument: trust }));
}

function sessionClients(out: { Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string } }): ClientSet {
  const c = out.Credentials;
  return clientsWithCredentials(sandbox.url, { accessKeyId: c?.AccessKeyId ?? "", secretAccessKey: c?.SecretAccessKey ?? "", sessionToken: c?.SessionToken }, REGION);
}

/** The environment session as the portal opens it (lib/aws/environment-session.ts): its tag is transitive. */
async function environmentSession(): Promise<ClientSet> {
  const portal = clientsFor(sandbox.url, "platform", REGION);
  const out = await portal.sts.send(
    new AssumeRoleCommand({
      RoleArn: PLATFORM_ROLE_ARN,
      RoleSessionName: `byok-env-${ENVIRONMENT_ID}`,
      Tags: [{ Key: ENVIRONMENT_TAG_KEY, Value: ENVIRONMENT_ID }],
      TransitiveTagKeys: [ENVIRONMENT_TAG_KEY],
    }),
  );
  return sessionClients(out);
}

async function assumeAsPlatform(externalId: string | undefined, roleArn = ROLE_ARN): Promise<ClientSet> {
  const platform = await environmentSession();
  return sessionClients(await platform.sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: `byok-${ENVIRONMENT_ID}`, ExternalId: externalId })));
}

const platformSessionArn = `arn:aws:sts::210987654321:assumed-role/byok-platform/byok-env-${ENVIRONMENT_ID}`;

describe("the trust policy", () => {
  test("the platform's session with the right External ID gets a session of the customer's role", async () => {
    await createRole();
    const session = await assumeAsPlatform(EXTERNAL_ID);
    const identity = await session.sts.send(new GetCallerIdentityCommand({}));
    expect(identity).toMatchObject({ Account: CUSTOMER_ACCOUNT_ID, Arn: `arn:aws:sts::${CUSTOMER_ACCOUNT_ID}:assumed-role/${ROLE_NAME}/byok-${ENVIRONMENT_ID}` });
    expect(identity.UserId).toMatch(/^AROA[A-Z2-7]{17}:byok-/);
  });

  test.each([
    ["a different External ID", "byok-someone-else"],
    ["no External ID", undefined],
  ])("%s is refused with STS's wording", async (_label, externalId) => {
    await createRole();
    const error = await awsError(() => assumeAsPlatform(externalId));
    expect(error).toMatchObject({ name: "AccessDenied", status: 403, message: `User: ${platformSessionArn} is not authorized to perform: sts:AssumeRole on resource: ${ROLE_ARN}` });
  });

  test("the environment tag is transitive: a trust policy without sts:TagSession refuses the portal's environment session, not an untagged one", async () => {
    await createRole(trustPolicy(EXTERNAL_ID, ["sts:AssumeRole"]));
    const error = await awsError(() => assumeAsPlatform(EXTERNAL_ID));
    expect(error.message).toBe(`User: ${platformSessionArn} is not authorized to perform: sts:TagSession on resource: ${ROLE_ARN}`);
    // test-support's platformSession tags its session without making the tag transitive.
    const nonTransitive = await platformSession(sandbox.url, ENVIRONMENT_ID, REGION);
    const out = await nonTransitive.sts.send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: "plain", ExternalId: EXTERNAL_ID }));
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${CUSTOMER_ACCOUNT_ID}:assumed-role/${ROLE_NAME}/plain`);
  });

  test("the transitive environment tag reaches the customer role's session (aws:PrincipalTag in its key policy)", async () => {
    await createRole();
    const pinned = await createKey(customer, [
      rootDelegation(CUSTOMER_ACCOUNT_ID),
      { Effect: "Allow", Principal: { AWS: ROLE_ARN }, Action: "kms:DescribeKey", Resource: "*", Condition: { StringEquals: { [`aws:PrincipalTag/${ENVIRONMENT_TAG_KEY}`]: ENVIRONMENT_ID } } },
    ]);
    const session = await assumeAsPlatform(EXTERNAL_ID);
    expect((await session.kms.send(new DescribeKeyCommand({ KeyId: pinned }))).KeyMetadata?.Arn).toBe(pinned);
  });

  test("another account's principal, even with the External ID, is refused; so is a role that does not exist", async () => {
    await createRole();
    const error = await awsError(() => otherCustomer.sts.send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: "intruder", ExternalId: EXTERNAL_ID })));
    expect(error).toMatchObject({ name: "AccessDenied", message: `User: arn:aws:iam::${OTHER_CUSTOMER_ACCOUNT_ID}:user/customer-admin is not authorized to perform: sts:AssumeRole on resource: ${ROLE_ARN}` });
    expect((await awsError(() => assumeAsPlatform(EXTERNAL_ID, `arn:aws:iam::${CUSTOMER_ACCOUNT_ID}:role/missing`))).name).toBe("AccessDenied");
  });

  test("a trust policy naming the account lets that account's principals in when their own policies allow it", async () => {
    const accountTrust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: CUSTOMER_ACCOUNT_ID }, Action: "sts:AssumeRole" }] });
    await createRole(accountTrust);
    const out = await customer.sts.send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: "admin", DurationSeconds: 3600 }));
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${CUSTOMER_ACCOUNT_ID}:assumed-role/${ROLE_NAME}/admin`);
  });

  test("role chaining caps the session at one hour", async () => {
    await createRole();
    const platform = await environmentSession();
    const error = await awsError(() => platform.sts.send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: "long", ExternalId: EXTERNAL_ID, DurationSeconds: 7200 })));
    expect(error.name).toBe("ValidationError");
  });

  test("a deleted role's sessions are refused", async () => {
    await createRole();
    const session = await assumeAsPlatform(EXTERNAL_ID);
    await customerIam.send(new DeleteRoleCommand({ RoleName: ROLE_NAME }));
    expect((await awsError(() => session.sts.send(new GetCallerIdentityCommand({})))).name).toBe("InvalidClientTokenId");
  });
});

describe("what the role's session may do with keys", () => {
  test("same account: the root delegation and the role's inline policy allow exactly the listed actions, with the tenant's context, on that key", async () => {
    const keyArn = await createKey(customer, [rootDelegation(CUSTOMER_ACCOUNT_ID)]);
    const otherKeyArn = await createKey(customer, [rootDelegation(CUSTOMER_ACCOUNT_ID)]);
    await createRole();
    await customerIam.send(new PutRolePolicyCommand({ RoleName: ROLE_NAME, PolicyName: "key-use", PolicyDocument: keyUsePolicy(keyArn) }));
    const session = await assumeAsPlatform(EXTERNAL_ID);

    expect((await session.kms.send(new DescribeKeyCommand({ KeyId: keyArn }))).KeyMetadata?.Arn).toBe(keyArn);
    const dataKey = await session.kms.send(new GenerateDataKeyCommand({ KeyId: keyArn, KeySpec: "AES_256", EncryptionContext: TENANT_CONTEXT }));
    const plain = await session.kms.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob, EncryptionContext: TENANT_CONTEXT }));
    expect(Buffer.from(plain.Plaintext ?? new Uint8Array()).equals(Buffer.from(dataKey.Plaintext ?? new Uint8Array()))).toBe(true);

    const roleSessionArn = `arn:aws:sts::${CUSTOMER_ACCOUNT_ID}:assumed-role/${ROLE_NAME}/byok-${ENVIRONMENT_ID}`;
    const noContext = await awsError(() => session.kms.send(new GenerateDataKeyCommand({ KeyId: keyArn, KeySpec: "AES_256" })));
    expect(noContext).toMatchObject({
      name: "AccessDeniedException",
      message: `User: ${roleSessionArn} is not authorized to perform: kms:GenerateDataKey on resource: ${keyArn} because no identity-based policy allows the kms:GenerateDataKey action`,
    });
    const otherTenant = await awsError(() => session.kms.send(new GenerateDataKeyCommand({ KeyId: keyArn, KeySpec: "AES_256", EncryptionContext: { "byok:tenant": "globex" } })));
    expect(otherTenant.name).toBe("AccessDeniedException");
    expect((await awsError(() => session.kms.send(new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from("x"), EncryptionContext: TENANT_CONTEXT })))).name).toBe("AccessDeniedException");
    expect((await awsError(() => session.kms.send(new DescribeKeyCommand({ KeyId: otherKeyArn })))).name).toBe("AccessDeniedException");

    // Inline policies apply to sessions already issued as soon as they change.
    await customerIam.send(new DeleteRolePolicyCommand({ RoleName: ROLE_NAME, PolicyName: "key-use" }));
    expect((await awsError(() => session.kms.send(new DescribeKeyCommand({ KeyId: keyArn })))).name).toBe("AccessDeniedException");
  });

  test("same account: a key policy naming the role allows it without an identity policy; a key policy without root delegation ignores the identity policy", async () => {
    await createRole();
    const namedKey = await createKey(customer, [rootDelegation(CUSTOMER_ACCOUNT_ID), { Effect: "Allow", Principal: { AWS: ROLE_ARN }, Action: "kms:DescribeKey", Resource: "*" }]);
    const undelegatedKey = await createKey(customer, [
      { Sid: "AdminOnly", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${CUSTOMER_ACCOUNT_ID}:user/customer-admin` }, Action: "kms:*", Resource: "*" },
    ]);
    await customerIam.send(new PutRolePolicyCommand({ RoleName: ROLE_NAME, PolicyName: "key-use", PolicyDocument: keyUsePolicy(undelegatedKey) }));
    const session = await assumeAsPlatform(EXTERNAL_ID);
    expect((await session.kms.send(new DescribeKeyCommand({ KeyId: namedKey }))).KeyMetadata?.Arn).toBe(namedKey);
    const denied = await awsError(() => session.kms.send(new DescribeKeyCommand({ KeyId: undelegatedKey })));
    expect(denied.message).toContain("because no resource-based policy allows the kms:DescribeKey action");
  });

  test("an explicit Deny in the role's inline policy wins over a key policy naming the role", async () => {
    await createRole();
    const keyArn = await createKey(customer, [rootDelegation(CUSTOMER_ACCOUNT_ID), { Effect: "Allow", Principal: { AWS: ROLE_ARN }, Action: "kms:DescribeKey", Resource: "*" }]);
    const deny = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "kms:*", Resource: "*" }] });
    await customerIam.send(new PutRolePolicyCommand({ RoleName: ROLE_NAME, PolicyName: "deny-all", PolicyDocument: deny }));
    const session = await assumeAsPlatform(EXTERNAL_ID);
    const denied = await awsError(() => session.kms.send(new DescribeKeyCommand({ KeyId: keyArn })));
    expect(denied.message).toContain("with an explicit deny in an identity-based policy");
  });

  test("another account's key: the key policy and the role's inline policy must both allow", async () => {
    await createRole();
    const roleStatement = { Sid: "AllowCustomerRole", Effect: "Allow", Principal: { AWS: ROLE_ARN }, Action: ["kms:DescribeKey", "kms:GenerateDataKey", "kms:Decrypt"], Resource: "*" };
    const sharedKey = await createKey(otherCustomer, [rootDelegation(OTHER_CUSTOMER_ACCOUNT_ID), roleStatement]);
    const unsharedKey = await createKey(otherCustomer, [rootDelegation(OTHER_CUSTOMER_ACCOUNT_ID)]);
    const session = await assumeAsPlatform(EXTERNAL_ID);

    // Key policy alone: not enough across accounts.
    const keyPolicyOnly = await awsError(() => session.kms.send(new DescribeKeyCommand({ KeyId: sharedKey })));
    expect(keyPolicyOnly.message).toContain("because no identity-based policy allows the kms:DescribeKey action");

    const both = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:DescribeKey", Resource: [sharedKey, unsharedKey] }] });
    await customerIam.send(new PutRolePolicyCommand({ RoleName: ROLE_NAME, PolicyName: "cross-account", PolicyDocument: both }));
    expect((await session.kms.send(new DescribeKeyCommand({ KeyId: sharedKey }))).KeyMetadata?.Arn).toBe(sharedKey);
    // Identity policy alone: not enough either.
    const identityOnly = await awsError(() => session.kms.send(new DescribeKeyCommand({ KeyId: unsharedKey })));
    expect(identityOnly.message).toContain("because no resource-based policy allows the kms:DescribeKey action");
  });
});

test("roles of another account are that account's: the other customer cannot touch this customer's role", async () => {
  await createRole();
  expect((await awsError(() => otherIam.send(new DeleteRoleCommand({ RoleName: ROLE_NAME })))).name).toBe("NoSuchEntityException");
});
