/**
 * The log role's documents judged by an independent evaluator (@cloud-copilot/iam-simulate, a
 * test-only oracle): the role's session may create streams and put events in the customer's one
 * log group, and nothing else; the platform may assume it only with the External ID.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { describe, expect, it } from "vitest";
import type { RoleModeValues } from "@/lib/byok/role-mode";
import { roleTrustPolicy } from "@/lib/byok/role-mode";
import { InvalidByokValueError } from "@/lib/byok/values";
import { oracleVerdict } from "@/lib/iam/__testing__/oracle";
import { keyUseLogStreamName, LOG_ROLE_ACTIONS, logRoleDocuments, logRolePermissionsPolicy } from "./documents";

const PLATFORM_ACCOUNT = "210987654321";
const CUSTOMER_ACCOUNT = "123456789012";
const ENVIRONMENT_ID = "3f0a4b7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
const GROUP = `arn:aws:logs:eu-west-1:${CUSTOMER_ACCOUNT}:log-group:/byok/key-use`;
const ROLE_ARN = `arn:aws:iam::${CUSTOMER_ACCOUNT}:role/byok-key-use-log`;
const ROLE_SESSION = `arn:aws:sts::${CUSTOMER_ACCOUNT}:assumed-role/byok-key-use-log/byok-env-${ENVIRONMENT_ID}`;
const PLATFORM_SESSION = `arn:aws:sts::${PLATFORM_ACCOUNT}:assumed-role/byok-platform/byok-env-${ENVIRONMENT_ID}`;
const EXTERNAL_ID = "byok-AbCdEfGhIjKlMnOpQrStUvWx";
const values: RoleModeValues = {
  partition: "aws",
  platformAccountId: PLATFORM_ACCOUNT,
  platformRoleArn: `arn:aws:iam::${PLATFORM_ACCOUNT}:role/byok-platform`,
  externalId: EXTERNAL_ID,
  tenant: "acme",
};

const stream = (group: string, name = keyUseLogStreamName(ENVIRONMENT_ID)) => `${group}:log-stream:${name}`;

/** The role session's verdict on one CloudWatch Logs request, its permissions policy being the only policy (same account, no resource policy). */
async function verdict(action: string, resource: string, policy: unknown = logRolePermissionsPolicy({ logGroupArn: GROUP })): Promise<string> {
  const result = await runSimulation(
    {
      request: { principal: ROLE_SESSION, action, resource: { resource, accountId: resource.split(":")[4] ?? "" }, contextVariables: {} },
      identityPolicies: [{ name: "log-role-permissions", policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType !== "single") throw new Error(`The simulation did not run as one request: ${JSON.stringify(result)}`);
  expect(result.result.ignoredContextKeys ?? []).toEqual([]);
  return result.result.analysis?.result ?? "unknown";
}

describe("the log role's permissions policy", () => {
  it.each(LOG_ROLE_ACTIONS)("allows %s on the platform's stream in the customer's group", async (action) => {
    expect(await verdict(action, stream(GROUP))).toBe("Allowed");
  });

  it("allows it whether the customer gave the group's ARN with or without the trailing :*", async () => {
    const policy = logRolePermissionsPolicy({ logGroupArn: `${GROUP}:*` });
    expect(policy).toEqual(logRolePermissionsPolicy({ logGroupArn: GROUP }));
    expect(await verdict("logs:PutLogEvents", stream(GROUP), policy)).toBe("Allowed");
  });

  it.each([
    ["another group", `arn:aws:logs:eu-west-1:${CUSTOMER_ACCOUNT}:log-group:/other`],
    ["a group whose name starts with the same characters", `${GROUP}-archive`],
    ["a group nested under it", `${GROUP}/deeper`],
    ["the same group name in another Region", `arn:aws:logs:us-east-1:${CUSTOMER_ACCOUNT}:log-group:/byok/key-use`],
    ["the same group name in another account", "arn:aws:logs:eu-west-1:444455556666:log-group:/byok/key-use"],
  ])("refuses to put events into %s", async (_name, group) => {
    expect(await verdict("logs:PutLogEvents", stream(group))).toBe("ImplicitlyDenied");
    expect(await verdict("logs:CreateLogStream", stream(group))).toBe("ImplicitlyDenied");
  });

  it.each([
    ["logs:GetLogEvents", stream(GROUP)],
    ["logs:FilterLogEvents", GROUP],
    ["logs:DeleteLogStream", stream(GROUP)],
    ["logs:DeleteLogGroup", GROUP],
    ["logs:PutRetentionPolicy", GROUP],
    ["logs:CreateLogGroup", `arn:aws:logs:eu-west-1:${CUSTOMER_ACCOUNT}:log-group:/new`],
  ])("refuses %s (reading, deleting, changing the group)", async (action, resource) => {
    expect(await verdict(action, resource)).toBe("ImplicitlyDenied");
  });

  it("refuses values that are not a log group ARN", () => {
    for (const logGroupArn of ["", "arn:aws:logs:eu-west-1:123456789012:log-group:bad name", `${GROUP}:log-stream:x`, `${GROUP}"},{"Effect":"Allow`]) {
      expect(() => logRolePermissionsPolicy({ logGroupArn })).toThrow(InvalidByokValueError);
    }
  });
});

describe("the log role's trust policy", () => {
  const assume = (externalId: string | undefined, principal = PLATFORM_SESSION) =>
    oracleVerdict(logRoleDocuments({ ...values, logGroupArn: GROUP }).trustPolicy, {
      principal,
      action: "sts:AssumeRole",
      resource: ROLE_ARN,
      resourceAccountId: CUSTOMER_ACCOUNT,
      context: externalId === undefined ? {} : { "sts:ExternalId": externalId },
      identityPolicies: [{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: "*" }] }],
    });

  it("is role mode's trust policy", () => {
    expect(logRoleDocuments({ ...values, logGroupArn: GROUP }).trustPolicy).toEqual(roleTrustPolicy(values));
  });

  it("lets the platform's sessions in with the External ID only", async () => {
    expect(await assume(EXTERNAL_ID)).toBe("Allowed");
    expect(await assume("byok-ZZZZZZZZZZZZZZZZZZZZZZZZ")).toBe("ImplicitlyDenied");
    expect(await assume(undefined)).toBe("ImplicitlyDenied");
    expect(await assume(EXTERNAL_ID, `arn:aws:sts::${PLATFORM_ACCOUNT}:assumed-role/byok-portal/portal`)).toBe("ImplicitlyDenied");
  });
});
