/**
 * Role mode's documents judged by an independent evaluator (@cloud-copilot/iam-simulate, a
 * test-only oracle): the platform role may assume the customer's role only with the
 * organization's External ID, and the role may do nothing but the listed actions on its one
 * key, with the tenant's encryption context.
 */
import { describe, expect, it } from "vitest";
import { oracleVerdict, type OracleVerdict } from "@/lib/iam/__testing__/oracle";
import { buildAccountRootStatement } from "./policies";
import {
  externalIdPattern,
  newExternalId,
  roleKeyPolicyStatements,
  rolePermissionsPolicy,
  roleTrustPolicy,
  type RoleModeValues,
} from "./role-mode";
import { InvalidByokValueError } from "./values";

const PLATFORM_ACCOUNT = "210987654321";
const CUSTOMER_ACCOUNT = "123456789012";
const OTHER_ACCOUNT = "444455556666";
const PLATFORM_ROLE_ARN = `arn:aws:iam::${PLATFORM_ACCOUNT}:role/byok-platform`;
const PLATFORM_SESSION = `arn:aws:sts::${PLATFORM_ACCOUNT}:assumed-role/byok-platform/byok-env-3f0a4b7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b`;
const ROLE_ARN = `arn:aws:iam::${CUSTOMER_ACCOUNT}:role/byok-access`;
const ROLE_SESSION = `arn:aws:sts::${CUSTOMER_ACCOUNT}:assumed-role/byok-access/byok-env-3f0a4b7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b`;
const KEY_ARN = `arn:aws:kms:eu-west-1:${CUSTOMER_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const OTHER_KEY_ARN = `arn:aws:kms:eu-west-1:${CUSTOMER_ACCOUNT}:key/0987dcba-09fe-87dc-65ba-ab0987654321`;
const EXTERNAL_ID = "byok-AbCdEfGhIjKlMnOpQrStUvWx";

const values: RoleModeValues = { partition: "aws", platformAccountId: PLATFORM_ACCOUNT, platformRoleArn: PLATFORM_ROLE_ARN, externalId: EXTERNAL_ID, tenant: "acme" };
const allowAssume = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: "*" }] };

function assume(principal: string, externalId?: string): Promise<OracleVerdict> {
  return oracleVerdict(roleTrustPolicy(values), {
    principal,
    action: "sts:AssumeRole",
    resource: ROLE_ARN,
    resourceAccountId: CUSTOMER_ACCOUNT,
    context: externalId === undefined ? {} : { "sts:ExternalId": externalId },
    identityPolicies: [allowAssume],
  });
}

/** The role's session using a key whose policy keeps AWS's default statement (the account's IAM policies decide). */
function useKey(action: string, options: { key?: string; tenant?: string; principal?: string; keyPolicy?: unknown } = {}): Promise<OracleVerdict> {
  const key = options.key ?? KEY_ARN;
  return oracleVerdict(options.keyPolicy ?? { Version: "2012-10-17", Statement: [buildAccountRootStatement("aws", CUSTOMER_ACCOUNT)] }, {
    principal: options.principal ?? ROLE_SESSION,
    action,
    resource: key,
    resourceAccountId: CUSTOMER_ACCOUNT,
    context: options.tenant === undefined ? {} : { "kms:EncryptionContext:tenant": options.tenant },
    identityPolicies: [rolePermissionsPolicy({ ...values, keyArn: KEY_ARN })],
  });
}

describe("the role's trust policy", () => {
  it("lets the platform role's sessions assume the role with the organization's External ID", async () => {
    expect(await assume(PLATFORM_SESSION, EXTERNAL_ID)).toBe("Allowed");
  });

  it.each([
    ["without an External ID", PLATFORM_SESSION, undefined],
    ["with another organization's External ID", PLATFORM_SESSION, "byok-ZZZZZZZZZZZZZZZZZZZZZZZZ"],
    ["from the same role name in another account", `arn:aws:sts::${OTHER_ACCOUNT}:assumed-role/byok-platform/x`, EXTERNAL_ID],
    ["from the portal's base identity, which is not the platform role", `arn:aws:sts::${PLATFORM_ACCOUNT}:assumed-role/byok-portal/portal`, EXTERNAL_ID],
    ["from the customer's own account root", `arn:aws:iam::${CUSTOMER_ACCOUNT}:root`, EXTERNAL_ID],
  ])("refuses the assume %s", async (_name, principal, externalId) => {
    expect(await assume(principal, externalId)).toBe("ImplicitlyDenied");
  });
});

describe("the role's permissions policy", () => {
  it.each(["kms:GenerateDataKey", "kms:Decrypt"])("allows %s on its key with the tenant's encryption context", async (action) => {
    expect(await useKey(action, { tenant: "acme" })).toBe("Allowed");
  });

  it.each(["kms:DescribeKey", "kms:GetKeyRotationStatus"])("allows %s on its key", async (action) => {
    expect(await useKey(action)).toBe("Allowed");
  });

  it.each([
    ["another tenant's encryption context", { tenant: "globex" }],
    ["no encryption context", {}],
    ["another key", { key: OTHER_KEY_ARN, tenant: "acme" }],
  ])("refuses data keys with %s", async (_name, options) => {
    expect(await useKey("kms:GenerateDataKey", options)).toBe("ImplicitlyDenied");
    expect(await useKey("kms:Decrypt", options)).toBe("ImplicitlyDenied");
  });

  it.each(["kms:Encrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKeyWithoutPlaintext", "kms:GenerateDataKeyPair", "kms:CreateGrant"])(
    "allows nothing else: %s is refused, even with the tenant's context",
    async (action) => {
      expect(await useKey(action, { tenant: "acme" })).toBe("ImplicitlyDenied");
    },
  );

  it.each(["kms:PutKeyPolicy", "kms:GetKeyPolicy", "kms:DisableKey", "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:Sign", "kms:ListGrants"])(
    "allows nothing else: %s is refused",
    async (action) => {
      expect(await useKey(action)).toBe("ImplicitlyDenied");
    },
  );

  it("a key policy without AWS's default statement lets the role in through the rendered statements only", async () => {
    const keyPolicy = { Version: "2012-10-17", Statement: roleKeyPolicyStatements({ ...values, roleArn: ROLE_ARN }) };
    expect(await useKey("kms:GenerateDataKey", { tenant: "acme", keyPolicy })).toBe("Allowed");
    expect(await useKey("kms:DescribeKey", { keyPolicy })).toBe("Allowed");
    expect(await useKey("kms:GenerateDataKey", { tenant: "globex", keyPolicy })).toBe("ImplicitlyDenied");
    const otherRole = `arn:aws:sts::${CUSTOMER_ACCOUNT}:assumed-role/someone-else/session`;
    expect(await useKey("kms:GenerateDataKey", { tenant: "acme", keyPolicy, principal: otherRole })).toBe("ImplicitlyDenied");
  });
});

describe("role-mode values", () => {
  it("issues unguessable External IDs in AWS's alphabet", () => {
    const ids = new Set(Array.from({ length: 200 }, () => newExternalId()));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(externalIdPattern);
    // AWS: 2 to 1,224 characters of letters, digits and +=,.@:/-_
    for (const id of ids) expect(id).toMatch(/^[\w+=,.@:/-]{2,1224}$/);
  });

  it.each([
    ["an External ID not issued by the portal", { externalId: "byok-short" }],
    ["an External ID that would break out of the document", { externalId: 'byok-AbCdEfGhIjKlMnOpQrStUv"}' }],
    ["a tenant with a quote", { tenant: 'acme"' }],
    ["a platform role in another account", { platformRoleArn: `arn:aws:iam::${OTHER_ACCOUNT}:role/byok-platform` }],
  ])("refuses %s", (_name, change) => {
    expect(() => roleTrustPolicy({ ...values, ...change })).toThrow(InvalidByokValueError);
  });

  it("refuses a role or key ARN that is not one", () => {
    expect(() => rolePermissionsPolicy({ ...values, keyArn: "alias/data" })).toThrow(InvalidByokValueError);
    expect(() => roleKeyPolicyStatements({ ...values, roleArn: `arn:aws:iam::${CUSTOMER_ACCOUNT}:user/alice` })).toThrow(InvalidByokValueError);
  });
});
