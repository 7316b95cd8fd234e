import { loadAwsServiceSpec } from "@aws-cdk/aws-service-spec";
import type { PropertyType, Resource as SpecResource } from "@aws-cdk/service-spec-types";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  collectReferences,
  deployTemplate,
  isJsonObject,
  parseCloudFormationYaml,
  PSEUDO_PARAMETERS,
  type Json,
  type JsonObject,
} from "./__testing__/cloudformation";
import { buildAccountRootStatement } from "./policies";
import { requireKeyArn, requireRoleArn, roleKeyPolicyStatements, rolePermissionsPolicy, roleTrustPolicy, type RoleModeValues } from "./role-mode";
import { renderRoleModeTemplate, ROLE_KEY_POLICY_NAME, roleNameFor, roleTemplateModel } from "./role-template";
import { iamRoleArnPattern, InvalidByokValueError } from "./values";

type SpecDatabase = Awaited<ReturnType<typeof loadAwsServiceSpec>>;

const CUSTOMER_ACCOUNT = "123456789012";
const REGION = "eu-west-1";
/** The example organization the golden file is rendered for; the platform values are the sandbox's. */
const values: RoleModeValues = {
  partition: "aws",
  platformAccountId: "210987654321",
  platformRoleArn: "arn:aws:iam::210987654321:role/byok-platform",
  externalId: "byok-Q2hvb3NlLWEtcmFuZG9tLWlk",
  tenant: "acme-7k2q",
};
const ROLE_ARN = `arn:aws:iam::${CUSTOMER_ACCOUNT}:role/${roleNameFor(values.tenant)}`;
const CREATED_KEY_ARN = `arn:aws:kms:${REGION}:${CUSTOMER_ACCOUNT}:key/5d2f8c1a-3b4e-4f6a-9c7d-1e2f3a4b5c6d`;
const EXISTING_KEY_ARN = `arn:aws:kms:${REGION}:${CUSTOMER_ACCOUNT}:key/mrk-8e1f2a3b4c5d6e7f8091a2b3c4d5e6f7`;

const asJson = (value: unknown): JsonObject => {
  const json = JSON.parse(JSON.stringify(value)) as Json;
  if (!isJsonObject(json)) throw new Error("not an object");
  return json;
};

function deploy(template: JsonObject, parameterOverrides: Record<string, string> = {}) {
  return deployTemplate(template, {
    parameterOverrides,
    pseudo: { accountId: CUSTOMER_ACCOUNT, region: REGION, partition: "aws", stackName: "byok-role-acme-7k2q" },
    created: {
      Role: { Ref: roleNameFor(values.tenant), Arn: ROLE_ARN },
      Key: { Ref: CREATED_KEY_ARN.split("/")[1] ?? "", Arn: CREATED_KEY_ARN },
      KeyUsePolicy: { Ref: "byok-KeyUs-ABCDEF" },
    },
  });
}

describe("role template parse-back (CloudFormation tags)", () => {
  it("reads back to exactly the model, under YAML 1.1 and 1.2 rules", () => {
    const text = renderRoleModeTemplate(values);
    const model = asJson(roleTemplateModel(values));
    expect(parseCloudFormationYaml(text, "1.2")).toEqual(model);
    expect(parseCloudFormationYaml(text, "1.1")).toEqual(model);
  });

  it("writes intrinsic functions as short-form tags, and no placeholder ARN is left", () => {
    const text = renderRoleModeTemplate(values);
    expect(text).toContain("AWS: !GetAtt Role.Arn");
    expect(text).toContain("Resource: !If");
    expect(text).toContain("Value: !Join");
    expect(text).toContain("AWS: !Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:root");
    expect(text).not.toMatch(/Fn::|\bRef:/);
    expect(text).not.toContain("000000000000");
    expect(text).not.toContain("placeholder");
  });

  it("bakes the External ID, the platform role and the tenant in, quoted where YAML would misread them", () => {
    const text = renderRoleModeTemplate(values);
    expect(text).toContain(`sts:ExternalId: ${values.externalId}`);
    expect(text).toContain(`AWS: ${values.platformRoleArn}`);
    expect(text).toContain(`kms:EncryptionContext:tenant: ${values.tenant}`);
    expect(text).toContain('Version: "2012-10-17"');
    expect(text).toContain('Default: ""');
  });

  it("matches the golden file", async () => {
    await expect(renderRoleModeTemplate(values)).toMatchFileSnapshot("./__golden__/role-template.yaml");
  });
});

describe("role template oracle (@aws-cdk/aws-service-spec)", () => {
  let db: SpecDatabase;
  beforeAll(async () => {
    db = await loadAwsServiceSpec();
  });

  const specResource = (type: string): SpecResource | undefined => {
    const found = db.lookup("resource", "cloudFormationType", "equals", type);
    return found.length === 1 ? found[0] : undefined;
  };

  function acceptsString(type: PropertyType): boolean {
    if (type.type === "string" || type.type === "date-time") return true;
    return type.type === "union" && type.types.some(acceptsString);
  }

  /** A property value against its spec type; an intrinsic stands for the string it yields. */
  function typeErrors(value: Json, type: PropertyType, path: string): string[] {
    if (isJsonObject(value)) {
      const keys = Object.keys(value);
      const fn = keys.length === 1 ? keys[0] : undefined;
      const argument = fn === undefined ? undefined : value[fn];
      if (fn === "Fn::If" && Array.isArray(argument) && argument.length === 3) {
        return argument.slice(1).flatMap((branch, index) => typeErrors(branch, type, `${path}.Fn::If[${index + 1}]`));
      }
      if (fn === "Ref" || fn === "Fn::Sub" || fn === "Fn::Join" || fn === "Fn::GetAtt") {
        return acceptsString(type) ? [] : [`${path}: ${fn} yields a string, the spec wants ${JSON.stringify(type)}`];
      }
    }
    switch (type.type) {
      case "string":
        if (typeof value !== "string") return [`${path}: expected a string`];
        return type.allowedValues !== undefined && !type.allowedValues.includes(value) ? [`${path}: ${value} is not one of ${type.allowedValues.join(", ")}`] : [];
      case "integer":
        if (typeof value !== "number" || !Number.isInteger(value)) return [`${path}: expected an integer`];
        return type.allowedValues !== undefined && !type.allowedValues.includes(value) ? [`${path}: ${value} not allowed`] : [];
      case "boolean":
        return typeof value === "boolean" ? [] : [`${path}: expected a boolean`];
      case "json":
        return isJsonObject(value) ? [] : [`${path}: expected a JSON object`];
      case "array":
        return Array.isArray(value) ? value.flatMap((item, index) => typeErrors(item, type.element, `${path}[${index}]`)) : [`${path}: expected a list`];
      case "union": {
        const attempts = type.types.map((option) => typeErrors(value, option, path));
        return attempts.some((errors) => errors.length === 0) ? [] : attempts.flat();
      }
      case "ref": {
        if (!isJsonObject(value)) return [`${path}: expected an object`];
        return propertyErrors(value, db.get("typeDefinition", type.reference).properties, path);
      }
      default:
        // The template uses none of the other spec types; meeting one means it changed and this check must learn it.
        return [`${path}: unchecked spec type ${type.type}`];
    }
  }

  function propertyErrors(properties: JsonObject, specProperties: SpecResource["properties"], path: string): string[] {
    const errors: string[] = [];
    for (const [name, value] of Object.entries(properties)) {
      const spec = specProperties[name];
      if (spec === undefined) errors.push(`${path}.${name}: no such property`);
      else errors.push(...typeErrors(value, spec.type, `${path}.${name}`));
    }
    for (const [name, spec] of Object.entries(specProperties)) {
      if (spec.required === true && !(name in properties)) errors.push(`${path}.${name}: required`);
    }
    return errors;
  }

  function templateErrors(template: JsonObject): string[] {
    const errors: string[] = [];
    const resources = isJsonObject(template.Resources) ? template.Resources : {};
    const parameters = isJsonObject(template.Parameters) ? template.Parameters : {};
    const conditions = isJsonObject(template.Conditions) ? template.Conditions : {};
    const resourceAttributes = ["Type", "Properties", "Condition", "DeletionPolicy", "UpdateReplacePolicy", "DependsOn", "Metadata"];
    for (const [logicalId, definition] of Object.entries(resources)) {
      if (!isJsonObject(definition) || typeof definition.Type !== "string") {
        errors.push(`${logicalId}: no Type`);
        continue;
      }
      const spec = specResource(definition.Type);
      if (spec === undefined) {
        errors.push(`${logicalId}: ${definition.Type} is not a CloudFormation resource type`);
        continue;
      }
      for (const key of Object.keys(definition)) if (!resourceAttributes.includes(key)) errors.push(`${logicalId}.${key}: not a resource attribute`);
      if (definition.DependsOn !== undefined && !(typeof definition.DependsOn === "string" && definition.DependsOn in resources)) {
        errors.push(`${logicalId}.DependsOn: ${JSON.stringify(definition.DependsOn)} is not a resource of the template`);
      }
      if (typeof definition.Condition === "string" && !(definition.Condition in conditions)) errors.push(`${logicalId}.Condition: ${definition.Condition} does not exist`);
      const properties = definition.Properties ?? {};
      if (!isJsonObject(properties)) errors.push(`${logicalId}.Properties: not a mapping`);
      else errors.push(...propertyErrors(properties, spec.properties, `${logicalId}.Properties`));
    }
    for (const section of ["Conditions", "Resources", "Outputs"] as const) {
      const value = template[section];
      if (value === undefined) continue;
      for (const reference of collectReferences(value, section)) {
        if (reference.kind === "Condition") {
          if (!(reference.target in conditions)) errors.push(`${reference.path}: condition ${reference.target} does not exist`);
          continue;
        }
        if (reference.attribute === undefined) {
          const known = reference.target in parameters || reference.target in resources || PSEUDO_PARAMETERS.includes(reference.target);
          if (!known) errors.push(`${reference.path}: ${reference.kind} ${reference.target} resolves to nothing`);
          continue;
        }
        const target = resources[reference.target];
        const type = isJsonObject(target) && typeof target.Type === "string" ? target.Type : undefined;
        const spec = type === undefined ? undefined : specResource(type);
        if (spec === undefined || !(reference.attribute in spec.attributes)) {
          errors.push(`${reference.path}: ${reference.target}.${reference.attribute} is not an attribute of a resource in the template`);
        }
      }
    }
    return errors;
  }

  it("knows the resource types it checks (the oracle is loaded)", () => {
    expect(specResource("AWS::IAM::Role")?.attributes).toHaveProperty("Arn");
    expect(specResource("AWS::IAM::Policy")?.properties.PolicyName?.required).toBe(true);
    expect(specResource("AWS::KMS::Key")?.attributes).toHaveProperty("Arn");
  });

  it("every resource type, property, type and reference checks out", () => {
    const template = parseCloudFormationYaml(renderRoleModeTemplate(values), "1.2");
    expect(templateErrors(template)).toEqual([]);
  });

  it("catches a wrong property, a wrong type, a bad DependsOn and a dangling reference (the checks can fail)", () => {
    const template = asJson(roleTemplateModel(values));
    const resources = template.Resources;
    if (!isJsonObject(resources) || !isJsonObject(resources.Role) || !isJsonObject(resources.Role.Properties) || !isJsonObject(resources.Key)) throw new Error("shape");
    resources.Role.Properties.MaxSessionDuration = "3600";
    resources.Role.Properties.TrustPolicy = {};
    resources.Key.DependsOn = "Rol";
    const outputs = template.Outputs;
    if (!isJsonObject(outputs)) throw new Error("shape");
    outputs.Extra = { Value: { "Fn::GetAtt": ["Role", "RoleArn"] } };
    outputs.Other = { Value: { Ref: "ExistingKeyARN" } };
    expect(templateErrors(template)).toEqual([
      "Role.Properties.MaxSessionDuration: expected an integer",
      "Role.Properties.TrustPolicy: no such property",
      'Key.DependsOn: "Rol" is not a resource of the template',
      "Outputs.Extra.Value: Role.RoleArn is not an attribute of a resource in the template",
      "Outputs.Other.Value: Ref ExistingKeyARN resolves to nothing",
    ]);
  });
});

describe("role template behaviour when deployed (Ref/GetAtt/If/Join evaluated)", () => {
  const template = parseCloudFormationYaml(renderRoleModeTemplate(values), "1.2");

  it.each([
    ["creating the key", {}, CREATED_KEY_ARN],
    ["with an existing key", { ExistingKeyArn: EXISTING_KEY_ARN }, EXISTING_KEY_ARN],
  ])("%s: the role's documents are exactly role-mode.ts's", (_name, overrides, keyArn) => {
    const deployment = deploy(template, overrides);
    expect(deployment.resources.Role).toEqual({
      Type: "AWS::IAM::Role",
      Properties: {
        RoleName: "byok-access-acme-7k2q",
        Description: expect.any(String) as unknown,
        MaxSessionDuration: 3600,
        AssumeRolePolicyDocument: roleTrustPolicy(values),
      },
    });
    expect(deployment.resources.KeyUsePolicy).toEqual({
      Type: "AWS::IAM::Policy",
      Properties: { PolicyName: ROLE_KEY_POLICY_NAME, Roles: ["byok-access-acme-7k2q"], PolicyDocument: rolePermissionsPolicy({ ...values, keyArn }) },
    });
  });

  it("creating the key: a retained, rotating, symmetric key whose policy is the account's plus role-mode.ts's statements for the role", () => {
    const deployment = deploy(template);
    expect(deployment.conditions).toEqual({ CreateKey: true });
    expect(deployment.resources.Key?.Properties).toEqual({
      Description: expect.any(String) as unknown,
      KeySpec: "SYMMETRIC_DEFAULT",
      KeyUsage: "ENCRYPT_DECRYPT",
      EnableKeyRotation: true,
      PendingWindowInDays: 30,
      KeyPolicy: {
        Version: "2012-10-17",
        Statement: [buildAccountRootStatement("aws", CUSTOMER_ACCOUNT), ...roleKeyPolicyStatements({ ...values, roleArn: ROLE_ARN })],
      },
    });
    const definition = isJsonObject(template.Resources) ? template.Resources.Key : undefined;
    expect(definition).toMatchObject({ Condition: "CreateKey", DependsOn: "Role", DeletionPolicy: "Retain", UpdateReplacePolicy: "Retain" });
  });

  it("with an existing key: no key is created", () => {
    const deployment = deploy(template, { ExistingKeyArn: EXISTING_KEY_ARN });
    expect(Object.keys(deployment.resources)).toEqual(["Role", "KeyUsePolicy"]);
  });

  it.each([
    ["creating the key", {}, CREATED_KEY_ARN],
    ["with an existing key", { ExistingKeyArn: EXISTING_KEY_ARN }, EXISTING_KEY_ARN],
  ])("%s: outputs the role and key ARNs, and a payload holding both", (_name, overrides, keyArn) => {
    const { outputs } = deploy(template, overrides);
    expect(outputs.RoleArn).toBe(ROLE_ARN);
    expect(outputs.KeyArn).toBe(keyArn);
    const payload = JSON.parse(String(outputs.OnboardingPayload)) as unknown;
    expect(payload).toEqual({ roleArn: ROLE_ARN, keyArn });
    expect(requireRoleArn((payload as { roleArn: unknown }).roleArn)).toBe(ROLE_ARN);
    expect(requireKeyArn((payload as { keyArn: unknown }).keyArn)).toBe(keyArn);
  });

  it.each([
    "alias/data",
    "arn:aws:kms:eu-west-1:123456789012:alias/data",
    "5d2f8c1a-3b4e-4f6a-9c7d-1e2f3a4b5c6d",
    ` ${EXISTING_KEY_ARN}`,
    EXISTING_KEY_ARN.toUpperCase(),
    `${EXISTING_KEY_ARN}"}`,
  ])("an ExistingKeyArn that is not a key ARN (%j) fails in CloudFormation through AllowedPattern", (keyArn) => {
    expect(() => deploy(template, { ExistingKeyArn: keyArn })).toThrow("Parameter ExistingKeyArn failed to satisfy constraint");
  });
});

describe("role name", () => {
  it("is derived from the tenant, a valid IAM role name", () => {
    expect(roleNameFor("acme-7k2q")).toBe("byok-access-acme-7k2q");
    expect(roleNameFor("acme-7k2q")).toBe(roleNameFor("acme-7k2q"));
  });

  it("stays within IAM's 64 characters for the longest tenants, and two long tenants sharing a beginning get different roles", () => {
    const long = "a".repeat(63);
    const sibling = `${"a".repeat(62)}b`;
    expect(roleNameFor(long)).toHaveLength(64);
    expect(roleNameFor(long)).not.toBe(roleNameFor(sibling));
    for (const tenant of [long, sibling, "x", "a".repeat(52), "a".repeat(53)]) {
      const name = roleNameFor(tenant);
      expect(name.length).toBeLessThanOrEqual(64);
      expect(`arn:aws:iam::${CUSTOMER_ACCOUNT}:role/${name}`).toMatch(iamRoleArnPattern);
    }
  });

  it("refuses a tenant that is not one", () => {
    expect(() => roleNameFor("Acme")).toThrow(InvalidByokValueError);
  });
});

// ---------------------------------------------------------------------------------------------

const hostile = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("\nx: y", "a'b", 'a"b', "$(reboot)", "`id`", " #y", "!Ref X", "*anchor", "&a", "{a: 1}", "[x]", "- x", "?", "${AWS::AccountId}"),
);
const validValues: fc.Arbitrary<RoleModeValues> = fc.record({
  partition: fc.constant("aws"),
  platformAccountId: fc.constant("210987654321"),
  platformRoleArn: fc.stringMatching(/^[a-z][a-z0-9+=,.@_-]{0,20}$/).map((name) => `arn:aws:iam::210987654321:role/${name}`),
  externalId: fc.stringMatching(/^[A-Za-z0-9_-]{24}$/).map((id) => `byok-${id}`),
  tenant: fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/),
});
const fieldNames = ["platformRoleArn", "externalId", "tenant"] as const;
const tamperedValues = fc
  .tuple(validValues, fc.constantFrom(...fieldNames), hostile, fc.boolean())
  .map(([base, field, value, append]): RoleModeValues => ({ ...base, [field]: append ? `${base[field]}${value}` : value }));

describe("role template properties", () => {
  const reference = parseCloudFormationYaml(renderRoleModeTemplate(values), "1.2");
  /** The template with every string leaf blanked: what remains is its structure, keys and non-string values. */
  const shape = (value: Json): Json => {
    if (typeof value === "string") return "…";
    if (Array.isArray(value)) return value.map(shape);
    if (isJsonObject(value)) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shape(inner)]));
    return value;
  };

  it("no accepted input can put a newline, quote or $( into the YAML, or change its structure", () => {
    fc.assert(
      fc.property(fc.oneof(validValues, tamperedValues), (input) => {
        let text: string;
        try {
          text = renderRoleModeTemplate(input);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidByokValueError);
          return;
        }
        for (const value of [input.platformRoleArn, input.externalId, input.tenant]) expect(value).not.toMatch(/[\n\r"'`$]/);
        const parsed = parseCloudFormationYaml(text, "1.1");
        expect(parsed).toEqual(parseCloudFormationYaml(text, "1.2"));
        const deployed = deploy(parsed);
        expect(deployed.resources.Role?.Properties.AssumeRolePolicyDocument).toEqual(roleTrustPolicy(input));
        expect(deployed.resources.KeyUsePolicy?.Properties.PolicyDocument).toEqual(rolePermissionsPolicy({ ...input, keyArn: CREATED_KEY_ARN }));
        expect(shape(parsed)).toEqual(shape(reference));
      }),
      { numRuns: 300 },
    );
  });
});
