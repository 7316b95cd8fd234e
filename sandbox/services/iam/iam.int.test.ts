/** IAM roles and inline policies through the real SDK: the calls, IAM's errors, and whose IAM it is. */
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { PLATFORM_ROLE_ARN } from "../../identities";
import type { RunningSandbox } from "../../server";
import { awsError, platformSession, startTestSandbox } from "../../test-support";

let sandbox: RunningSandbox;
let customer: IAMClient;
let otherCustomer: IAMClient;

function iamClient(accessKeyId: string, sessionToken?: string): IAMClient {
  return new IAMClient({ region: "us-east-1", endpoint: sandbox.url, credentials: { accessKeyId, secretAccessKey: accessKeyId, sessionToken }, maxAttempts: 1 });
}

beforeAll(async () => {
  sandbox = await startTestSandbox();
  customer = iamClient("customer");
  otherCustomer = iamClient("other-customer");
});
afterAll(async () => sandbox.close());
beforeEach(() => sandbox.reset());

const trustPolicy = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { AWS: PLATFORM_ROLE_ARN }, Action: "sts:AssumeRole", Condition: { StringEquals: { "sts:ExternalId": "tenant-external-id-1" } } }],
});

const keyUsePolicy = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: "arn:aws:kms:eu-west-1:123456789012:key/*" }],
});

describe("roles", () => {
  test("create, read (documents URL-encoded), put/list/get/delete inline policies, update the trust policy, delete", async () => {
    const created = await customer.send(
      new CreateRoleCommand({ RoleName: "byok-platform-access", Path: "/byok/", Description: "BYOK platform", AssumeRolePolicyDocument: trustPolicy, MaxSessionDuration: 7200, Tags: [{ Key: "team", Value: "security" }] }),
    );
    expect(created.Role).toMatchObject({ RoleName: "byok-platform-access", Path: "/byok/", Arn: "arn:aws:iam::123456789012:role/byok/byok-platform-access", MaxSessionDuration: 7200, Description: "BYOK platform" });
    expect(created.Role?.RoleId).toMatch(/^AROA[A-Z2-7]{17}$/);
    expect(decodeURIComponent(created.Role?.AssumeRolePolicyDocument ?? "")).toBe(trustPolicy);
    expect(created.Role?.AssumeRolePolicyDocument).toContain("%22");

    const read = await customer.send(new GetRoleCommand({ RoleName: "byok-platform-access" }));
    expect(read.Role?.Tags).toEqual([{ Key: "team", Value: "security" }]);
    expect(read.Role?.CreateDate).toBeInstanceOf(Date);

    await customer.send(new PutRolePolicyCommand({ RoleName: "byok-platform-access", PolicyName: "key-use", PolicyDocument: keyUsePolicy }));
    await customer.send(new PutRolePolicyCommand({ RoleName: "byok-platform-access", PolicyName: "another", PolicyDocument: keyUsePolicy }));
    expect((await customer.send(new ListRolePoliciesCommand({ RoleName: "byok-platform-access" }))).PolicyNames).toEqual(["another", "key-use"]);
    const policy = await customer.send(new GetRolePolicyCommand({ RoleName: "byok-platform-access", PolicyName: "key-use" }));
    expect(decodeURIComponent(policy.PolicyDocument ?? "")).toBe(keyUsePolicy);

    const deleteConflict = await awsError(() => customer.send(new DeleteRoleCommand({ RoleName: "byok-platform-access" })));
    expect(deleteConflict).toMatchObject({ name: "DeleteConflictException", message: "Cannot delete entity, must delete policies first.", status: 409 });

    const newTrust = trustPolicy.replace("tenant-external-id-1", "tenant-external-id-2");
    await customer.send(new UpdateAssumeRolePolicyCommand({ RoleName: "byok-platform-access", PolicyDocument: newTrust }));
    expect(decodeURIComponent((await customer.send(new GetRoleCommand({ RoleName: "byok-platform-access" }))).Role?.AssumeRolePolicyDocument ?? "")).toBe(newTrust);

    await customer.send(new DeleteRolePolicyCommand({ RoleName: "byok-platform-access", PolicyName: "key-use" }));
    await customer.send(new DeleteRolePolicyCommand({ RoleName: "byok-platform-access", PolicyName: "another" }));
    await customer.send(new DeleteRoleCommand({ RoleName: "byok-platform-access" }));
    const gone = await awsError(() => customer.send(new GetRoleCommand({ RoleName: "byok-platform-access" })));
    expect(gone).toMatchObject({ name: "NoSuchEntityException", message: "The role with name byok-platform-access cannot be found.", status: 404 });
  });

  test("each account has its own IAM; the platform may not manage roles", async () => {
    await customer.send(new CreateRoleCommand({ RoleName: "shared-name", AssumeRolePolicyDocument: trustPolicy }));
    expect((await awsError(() => otherCustomer.send(new GetRoleCommand({ RoleName: "shared-name" })))).name).toBe("NoSuchEntityException");
    const other = await otherCustomer.send(new CreateRoleCommand({ RoleName: "shared-name", AssumeRolePolicyDocument: trustPolicy }));
    expect(other.Role?.Arn).toBe("arn:aws:iam::444455556666:role/shared-name");

    const platform = await platformSession(sandbox.url, "0f3c6b2e-8d1a-4c5e-9b7f-2a6d8e4c1f90");
    const credentials = await platform.sts.config.credentials();
    const platformIam = iamClient(credentials.accessKeyId, credentials.sessionToken);
    const denied = await awsError(() => platformIam.send(new CreateRoleCommand({ RoleName: "x", AssumeRolePolicyDocument: trustPolicy })));
    expect(denied).toMatchObject({ name: "AccessDenied", status: 403 });
    expect(denied.message).toContain("iam:CreateRole on resource: arn:aws:iam::210987654321:role/x");
  });

  test.each([
    ["a name taken already (in any case)", { RoleName: "Taken" }, "EntityAlreadyExistsException", "Role with name Taken already exists."],
    ["invalid JSON", { AssumeRolePolicyDocument: "{not json" }, "MalformedPolicyDocumentException", "This policy contains invalid Json"],
    [
      "a trust policy over 2048 characters",
      { AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "x".repeat(2100), Effect: "Allow", Principal: { AWS: "123456789012" }, Action: "sts:AssumeRole" }] }) },
      "LimitExceededException",
      "Cannot exceed quota for ACLSizePerRole: 2048",
    ],
    [
      "a trust policy with a Resource",
      { AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "123456789012" }, Action: "sts:AssumeRole", Resource: "*" }] }) },
      "MalformedPolicyDocumentException",
      "Has prohibited field Resource",
    ],
    [
      "a trust policy allowing another action",
      { AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "123456789012" }, Action: "kms:Decrypt" }] }) },
      "MalformedPolicyDocumentException",
      "AssumeRole policy may only specify STS AssumeRole actions.",
    ],
    [
      "a trust policy naming a role that does not exist",
      { AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::210987654321:role/nope" }, Action: "sts:AssumeRole" }] }) },
      "MalformedPolicyDocumentException",
      'Invalid principal in policy: "AWS":"arn:aws:iam::210987654321:role/nope"',
    ],
    ["a name with a space", { RoleName: "has space" }, "ValidationError", "Member must satisfy regular expression pattern"],
    ["a session duration over 12 hours", { MaxSessionDuration: 43201 }, "ValidationError", "less than or equal to 43200"],
  ])("CreateRole refuses %s", async (_label, override, name, message) => {
    await customer.send(new CreateRoleCommand({ RoleName: "taken", AssumeRolePolicyDocument: trustPolicy }));
    const error = await awsError(() => customer.send(new CreateRoleCommand({ RoleName: "new-role", AssumeRolePolicyDocument: trustPolicy, ...override })));
    expect(error.name).toBe(name);
    expect(error.message).toContain(message);
  });

  test("permissions policies: no principals, resources required, 10,240 characters for all of a role's inline policies", async () => {
    await customer.send(new CreateRoleCommand({ RoleName: "r", AssumeRolePolicyDocument: trustPolicy }));
    const put = (PolicyName: string, doc: unknown) => customer.send(new PutRolePolicyCommand({ RoleName: "r", PolicyName, PolicyDocument: JSON.stringify(doc) }));
    const withPrincipal = await awsError(() => put("p", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Resource: "*" }] }));
    expect(withPrincipal).toMatchObject({ name: "MalformedPolicyDocumentException", message: "Policy document should not specify a principal." });
    const noResource = await awsError(() => put("p", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:Decrypt" }] }));
    expect(noResource).toMatchObject({ name: "MalformedPolicyDocumentException", message: "Policy statement must contain resources." });
    const big = (sid: string) => ({ Version: "2012-10-17", Statement: [{ Sid: sid, Effect: "Allow", Action: "kms:Decrypt", Resource: "*" }] });
    await put("first", big("a".repeat(6000)));
    const tooMuch = await awsError(() => put("second", big("b".repeat(6000))));
    expect(tooMuch).toMatchObject({ name: "LimitExceededException", message: "Maximum policy size of 10240 bytes exceeded for role r" });
    // Replacing a policy counts it once.
    await put("first", big("c".repeat(6000)));
    const missing = await awsError(() => customer.send(new GetRolePolicyCommand({ RoleName: "r", PolicyName: "nope" })));
    expect(missing).toMatchObject({ name: "NoSuchEntityException", message: "The role policy with name nope cannot be found." });
  });
});
