/** STS AssumeRole with session tags, through the real SDK: the trust policy, the tags, and where they show up. */
import { DescribeKeyCommand, CreateKeyCommand } from "@aws-sdk/client-kms";
import { AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { PLATFORM_ROLE_ARN } from "../../identities";
import type { RunningSandbox } from "../../server";
import { type ClientSet, awsError, clientsFor, clientsWithCredentials, platformSession, sandboxJson, startTestSandbox } from "../../test-support";
import type { TrailEvent } from "../../world";

const REGION = "eu-west-1";
const ENVIRONMENT_ID = "0f3c6b2e-8d1a-4c5e-9b7f-2a6d8e4c1f90";
const OTHER_ENVIRONMENT_ID = "9a8b7c6d-1e2f-4a3b-8c4d-5e6f7a8b9c0d";

let sandbox: RunningSandbox;
let portal: ClientSet;
let customer: ClientSet;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  portal = clientsFor(sandbox.url, "platform", REGION);
  customer = clientsFor(sandbox.url, "customer", REGION);
});
afterAll(async () => sandbox.close());
beforeEach(() => sandbox.reset());

function keyPolicyPinnedTo(environmentId: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "Enable IAM User Permissions", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" },
      {
        Sid: "AllowPlatformKeyPreflight",
        Effect: "Allow",
        Principal: { AWS: PLATFORM_ROLE_ARN },
        Action: ["kms:DescribeKey", "kms:GetKeyRotationStatus"],
        Resource: "*",
        Condition: { StringEquals: { "aws:PrincipalAccount": "210987654321", "aws:PrincipalTag/byok-environment": environmentId } },
      },
    ],
  });
}

describe("AssumeRole", () => {
  test("the portal's base identity opens a tagged session of the platform role; the session is who it says", async () => {
    const out = await portal.sts.send(
      new AssumeRoleCommand({
        RoleArn: PLATFORM_ROLE_ARN,
        RoleSessionName: `byok-env-${ENVIRONMENT_ID}`,
        DurationSeconds: 900,
        Tags: [{ Key: "byok-environment", Value: ENVIRONMENT_ID }],
        TransitiveTagKeys: ["byok-environment"],
      }),
    );
    const sessionArn = `arn:aws:sts::210987654321:assumed-role/byok-platform/byok-env-${ENVIRONMENT_ID}`;
    expect(out.AssumedRoleUser?.Arn).toBe(sessionArn);
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(out.Credentials?.Expiration?.getTime()).toBeGreaterThan(Date.now() + 800_000);
    const c = out.Credentials;
    const session = clientsWithCredentials(sandbox.url, { accessKeyId: c?.AccessKeyId ?? "", secretAccessKey: c?.SecretAccessKey ?? "", sessionToken: c?.SessionToken }, REGION);
    expect(await session.sts.send(new GetCallerIdentityCommand({}))).toMatchObject({ Account: "210987654321", Arn: sessionArn });
  });

  test("the session tag is in the request context: a key pinned to the environment answers its session only", async () => {
    const key = await customer.kms.send(new CreateKeyCommand({ Policy: keyPolicyPinnedTo(ENVIRONMENT_ID) }));
    const keyArn = key.KeyMetadata?.Arn ?? "";
    const own = await platformSession(sandbox.url, ENVIRONMENT_ID, REGION);
    expect((await own.kms.send(new DescribeKeyCommand({ KeyId: keyArn }))).KeyMetadata?.Arn).toBe(keyArn);
    const other = await platformSession(sandbox.url, OTHER_ENVIRONMENT_ID, REGION);
    expect((await awsError(() => other.kms.send(new DescribeKeyCommand({ KeyId: keyArn })))).name).toBe("AccessDeniedException");
    const untagged = await platformSession(sandbox.url, ENVIRONMENT_ID, REGION, {});
    expect((await awsError(() => untagged.kms.send(new DescribeKeyCommand({ KeyId: keyArn })))).name).toBe("AccessDeniedException");
    const { events } = await sandboxJson<{ events: TrailEvent[] }>(sandbox.url, `/_sandbox/trail?keyArn=${encodeURIComponent(keyArn)}&action=DescribeKey`);
    expect(events.map((e) => [e.principal.split("/").at(-1), e.result])).toEqual([
      [`byok-env-${ENVIRONMENT_ID}`, "allowed"],
      [`byok-env-${OTHER_ENVIRONMENT_ID}`, "denied"],
      [`byok-env-${ENVIRONMENT_ID}`, "denied"],
    ]);
  });

  test("the trust policy admits the portal's base identity only: a customer, and the role's own sessions, are refused", async () => {
    const request = { RoleArn: PLATFORM_ROLE_ARN, RoleSessionName: "intruder", Tags: [{ Key: "byok-environment", Value: ENVIRONMENT_ID }] };
    const denied = await awsError(() => customer.sts.send(new AssumeRoleCommand(request)));
    expect(denied).toMatchObject({ name: "AccessDenied", status: 403 });
    expect(denied.message).toContain("sts:AssumeRole");
    const session = await platformSession(sandbox.url, ENVIRONMENT_ID, REGION);
    expect((await awsError(() => session.sts.send(new AssumeRoleCommand(request)))).name).toBe("AccessDenied");
  });

  test("a role that does not exist is refused like one that does not trust the caller", async () => {
    const error = await awsError(() => portal.sts.send(new AssumeRoleCommand({ RoleArn: "arn:aws:iam::210987654321:role/nope", RoleSessionName: "x1" })));
    expect(error.name).toBe("AccessDenied");
  });

  test.each([
    ["a session name with a space", { RoleSessionName: "has space" }, "ValidationError"],
    ["a duration below 15 minutes", { DurationSeconds: 60 }, "ValidationError"],
    ["a duration above the role's maximum", { DurationSeconds: 7200 }, "ValidationError"],
    ["a transitive key that is not a session tag", { TransitiveTagKeys: ["other"] }, "InvalidParameterValue"],
    ["the same tag key twice", { Tags: [{ Key: "byok-environment", Value: "a" }, { Key: "BYOK-environment", Value: "b" }] }, "InvalidParameterValue"],
  ])("refuses %s", async (_label, override, code) => {
    const request = { RoleArn: PLATFORM_ROLE_ARN, RoleSessionName: "byok-env-x", Tags: [{ Key: "byok-environment", Value: ENVIRONMENT_ID }], ...override };
    expect((await awsError(() => portal.sts.send(new AssumeRoleCommand(request)))).name).toBe(code);
  });

  test("an unknown temporary access key is refused", async () => {
    const forged = clientsWithCredentials(sandbox.url, { accessKeyId: "ASIAAAAAAAAAAAAAAAAA", secretAccessKey: "x", sessionToken: "y" }, REGION);
    expect((await awsError(() => forged.sts.send(new GetCallerIdentityCommand({})))).name).toBe("InvalidClientTokenId");
  });
});
