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
import { keyArnsFromPayloadSchema } from "./arns";
import { EXAMPLE_ENVIRONMENT, EXAMPLE_POLICY_CONTEXT, EXAMPLE_TEMPLATE_DEFAULTS } from "./example-environment";
import { keyPolicy } from "./policies";
import { keysTemplateModel, renderKeysTemplate, type TemplateDefaults } from "./template";
import { InvalidByokValueError } from "./values";

type SpecDatabase = Awaited<ReturnType<typeof loadAwsServiceSpec>>;

const env = EXAMPLE_ENVIRONMENT;
const defaults = EXAMPLE_TEMPLATE_DEFAULTS;
const S3_KEY_ARN = `arn:aws:kms:${env.region}:${env.customerAccountId}:key/5d2f8c1a-3b4e-4f6a-9c7d-1e2f3a4b5c6d`;
const RDS_KEY_ARN = `arn:aws:kms:${env.region}:${env.customerAccountId}:key/7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d`;

const asJson = (value: unknown): JsonObject => {
  const json = JSON.parse(JSON.stringify(value)) as Json;
  if (!isJsonObject(json)) throw new Error("not an object");
  return json;
};

function deploy(template: JsonObject, parameterOverrides: Record<string, string> = {}) {
  return deployTemplate(template, {
    parameterOverrides,
    pseudo: { accountId: env.customerAccountId, region: env.region, partition: env.partition, stackName: env.stackName },
    created: {
      S3Key: { Ref: S3_KEY_ARN.split("/")[1] ?? "", Arn: S3_KEY_ARN },
      RdsKey: { Ref: RDS_KEY_ARN.split("/")[1] ?? "", Arn: RDS_KEY_ARN },
      S3KeyAlias: { Ref: "alias" },
      RdsKeyAlias: { Ref: "alias" },
    },
  });
}

describe("template parse-back (CloudFormation tags)", () => {
  it.each([
    ["without a tenant name", defaults],
    ["with a tenant name default", { ...defaults, tenantName: env.tenantName }],
  ])("reads back to exactly the model %s, under YAML 1.1 and 1.2 rules", (_name, templateDefaults) => {
    const text = renderKeysTemplate(templateDefaults);
    const model = asJson(keysTemplateModel(templateDefaults));
    expect(parseCloudFormationYaml(text, "1.2")).toEqual(model);
    expect(parseCloudFormationYaml(text, "1.1")).toEqual(model);
  });

  it("writes intrinsic functions as short-form tags, not as mappings", () => {
    const text = renderKeysTemplate(defaults);
    expect(text).toContain("AWS: !Ref PlatformRoleArn");
    expect(text).toContain("Value: !GetAtt S3Key.Arn");
    expect(text).toContain("Tags: !If");
    expect(text).toContain("kms:ViaService: !Sub s3.${PlatformRegion}.amazonaws.com");
    expect(text).not.toMatch(/Fn::|\bRef:/);
  });

  it("quotes every string a YAML reader could take for a number, date or boolean", () => {
    const text = renderKeysTemplate(defaults);
    expect(text).toContain('Version: "2012-10-17"');
    expect(text).toContain(`Default: "${env.platformAccountId}"`);
    expect(text).toContain('kms:GrantIsForAWSResource: "true"');
  });

  it("the parser refuses an unknown tag, so it cannot pass a typo", () => {
    expect(() => parseCloudFormationYaml("Value: !GetAttr S3Key.Arn\n", "1.2")).toThrow(/Unresolved tag/);
  });
});

describe("template oracle (@aws-cdk/aws-service-spec)", () => {
  let db: SpecDatabase;
  beforeAll(async () => {
    db = await loadAwsServiceSpec();
  });

  const specResource = (type: string): SpecResource | undefined => {
    const found = db.lookup("resource", "cloudFormationType", "equals", type);
    return found.length === 1 ? found[0] : undefined;
  };

  /** Checks a property value against its spec type; intrinsic functions stand for the type they yield. */
  function typeErrors(value: Json, type: PropertyType, path: string, template: JsonObject): string[] {
    if (isJsonObject(value)) {
      const keys = Object.keys(value);
      const fn = keys.length === 1 ? keys[0] : undefined;
      const argument = fn === undefined ? undefined : value[fn];
      if (fn === "Fn::If" && Array.isArray(argument) && argument.length === 3) {
        return argument.slice(1).flatMap((branch, index) =>
          isJsonObject(branch) && branch.Ref === "AWS::NoValue" ? [] : typeErrors(branch, type, `${path}.Fn::If[${index + 1}]`, template),
        );
      }
      if (fn === "Ref" || fn === "Fn::Sub" || fn === "Fn::Join" || fn === "Fn::GetAtt") {
        // Every parameter is a String and every Ref/Sub/GetAtt used here yields a string.
        return acceptsString(type) ? [] : [`${path}: ${fn} yields a string, the spec wants ${JSON.stringify(type)}`];
      }
    }
    switch (type.type) {
      case "string":
      case "date-time":
        if (typeof value !== "string") return [`${path}: expected a string`];
        return type.type === "string" && type.allowedValues !== undefined && !type.allowedValues.includes(value)
          ? [`${path}: ${value} is not one of ${type.allowedValues.join(", ")}`]
          : [];
      case "integer":
        if (typeof value !== "number" || !Number.isInteger(value)) return [`${path}: expected an integer`];
        return type.allowedValues !== undefined && !type.allowedValues.includes(value) ? [`${path}: ${value} not allowed`] : [];
      case "number":
        return typeof value === "number" ? [] : [`${path}: expected a number`];
      case "boolean":
        return typeof value === "boolean" ? [] : [`${path}: expected a boolean`];
      case "json":
        return isJsonObject(value) ? [] : [`${path}: expected a JSON object`];
      case "null":
        return value === null ? [] : [`${path}: expected null`];
      case "tag": {
        if (!isJsonObject(value)) return [`${path}: expected a tag`];
        const extra = Object.keys(value).filter((key) => key !== "Key" && key !== "Value");
        return [
          ...extra.map((key) => `${path}.${key}: not a tag field`),
          ...(["Key", "Value"] as const).flatMap((field) => {
            const inner = value[field];
            return inner === undefined ? [`${path}.${field}: missing`] : typeErrors(inner, { type: "string" }, `${path}.${field}`, template);
          }),
        ];
      }
      case "array":
        return Array.isArray(value) ? value.flatMap((item, index) => typeErrors(item, type.element, `${path}[${index}]`, template)) : [`${path}: expected a list`];
      case "map":
        return isJsonObject(value)
          ? Object.entries(value).flatMap(([key, inner]) => typeErrors(inner, type.element, `${path}.${key}`, template))
          : [`${path}: expected a map`];
      case "union": {
        const attempts = type.types.map((option) => typeErrors(value, option, path, template));
        return attempts.some((errors) => errors.length === 0) ? [] : attempts.flat();
      }
      case "ref": {
        if (!isJsonObject(value)) return [`${path}: expected an object`];
        const definition = db.get("typeDefinition", type.reference);
        return propertyErrors(value, definition.properties, path, template);
      }
    }
  }

  function acceptsString(type: PropertyType): boolean {
    if (type.type === "string" || type.type === "date-time") return true;
    if (type.type === "union") return type.types.some(acceptsString);
    return false;
  }

  function propertyErrors(
    properties: JsonObject,
    specProperties: SpecResource["properties"],
    path: string,
    template: JsonObject,
  ): string[] {
    const errors: string[] = [];
    for (const [name, value] of Object.entries(properties)) {
      const spec = specProperties[name];
      if (spec === undefined) {
        errors.push(`${path}.${name}: no such property`);
        continue;
      }
      errors.push(...typeErrors(value, spec.type, `${path}.${name}`, template));
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
      for (const policy of ["DeletionPolicy", "UpdateReplacePolicy"]) {
        const value = definition[policy];
        if (value !== undefined && !["Delete", "Retain", "Snapshot", "RetainExceptOnCreate"].includes(String(value))) errors.push(`${logicalId}.${policy}: ${String(value)}`);
      }
      const properties = definition.Properties ?? {};
      if (!isJsonObject(properties)) errors.push(`${logicalId}.Properties: not a mapping`);
      else errors.push(...propertyErrors(properties, spec.properties, `${logicalId}.Properties`, template));
    }

    const sections: Array<[string, Json | undefined]> = [
      ["Conditions", template.Conditions],
      ["Resources", template.Resources],
      ["Outputs", template.Outputs],
    ];
    for (const [section, value] of sections) {
      if (value === undefined) continue;
      for (const reference of collectReferences(value, section)) {
        if (reference.kind === "Condition") {
          if (!(reference.target in conditions)) errors.push(`${reference.path}: condition ${reference.target} does not exist`);
          continue;
        }
        if (reference.attribute === undefined) {
          const known = reference.target in parameters || reference.target in resources || PSEUDO_PARAMETERS.includes(reference.target);
          if (!known) errors.push(`${reference.path}: ${reference.kind} ${reference.target} resolves to nothing`);
          if (reference.kind === "Sub" && reference.target === "AWS::NoValue") errors.push(`${reference.path}: AWS::NoValue in Sub`);
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
    for (const [logicalId, definition] of Object.entries(resources)) {
      if (isJsonObject(definition) && typeof definition.Condition === "string" && !(definition.Condition in conditions)) {
        errors.push(`${logicalId}.Condition: ${definition.Condition} does not exist`);
      }
    }
    return errors;
  }

  it("knows the resource types it checks (the oracle is loaded)", () => {
    expect(specResource("AWS::KMS::Key")?.attributes).toHaveProperty("Arn");
    expect(specResource("AWS::KMS::Alias")?.properties.AliasName?.required).toBe(true);
  });

  it.each([
    ["without a tenant name", defaults],
    ["with a tenant name default", { ...defaults, tenantName: env.tenantName }],
  ])("every resource type, property, type and reference checks out %s", (_name, templateDefaults) => {
    const template = parseCloudFormationYaml(renderKeysTemplate(templateDefaults), "1.2");
    expect(templateErrors(template)).toEqual([]);
  });

  it("catches a wrong property, a wrong type and a dangling reference (the checks can fail)", () => {
    const template = asJson(keysTemplateModel(defaults));
    const resources = template.Resources;
    if (!isJsonObject(resources) || !isJsonObject(resources.S3Key) || !isJsonObject(resources.S3Key.Properties)) throw new Error("shape");
    resources.S3Key.Properties.EnableKeyRotation = "yes";
    resources.S3Key.Properties.KeyRotation = true;
    resources.S3Key.Properties.KeyUsage = "ENCRYPT";
    resources.S3Key.Properties.Description = { Ref: "PlatformRoleARN" };
    const outputs = template.Outputs;
    if (!isJsonObject(outputs)) throw new Error("shape");
    outputs.Extra = { Value: { "Fn::Sub": "${RdsKey.KeyArn}" } };
    expect(templateErrors(template)).toEqual([
      expect.stringMatching(/^S3Key\.Properties\.KeyUsage: ENCRYPT is not one of .*ENCRYPT_DECRYPT/),
      "S3Key.Properties.EnableKeyRotation: expected a boolean",
      "S3Key.Properties.KeyRotation: no such property",
      "Resources.S3Key.Properties.Description: Ref PlatformRoleARN resolves to nothing",
      "Outputs.Extra.Value: RdsKey.KeyArn is not an attribute of a resource in the template",
    ]);
  });
});

describe("template behaviour when deployed (Ref/GetAtt/Sub/If evaluated)", () => {
  const template = parseCloudFormationYaml(renderKeysTemplate(defaults), "1.2");
  const policyContext = EXAMPLE_POLICY_CONTEXT;

  it.each([
    ["without TenantName", {}],
    ["with TenantName", { TenantName: env.tenantName }],
  ])("the key policies equal the ones policies.ts renders, %s", (_name, overrides) => {
    const deployment = deploy(template, overrides);
    expect(deployment.resources.S3Key?.Properties.KeyPolicy).toEqual(keyPolicy("s3", policyContext));
    expect(deployment.resources.RdsKey?.Properties.KeyPolicy).toEqual(keyPolicy("rds", policyContext));
  });

  it("the policies follow the parameter values, not the stack's own Region", () => {
    const other = {
      partition: "aws",
      region: "us-east-1",
      platformAccountId: "999988887777",
      platformRoleArn: "arn:aws:iam::999988887777:role/path/other-platform",
      environmentId: "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
      bucketNamePrefix: "acme-123",
      customerAccountId: env.customerAccountId,
    };
    const deployment = deploy(template, {
      PlatformRoleArn: other.platformRoleArn,
      PlatformAccountId: other.platformAccountId,
      PlatformRegion: other.region,
      EnvironmentId: other.environmentId,
      BucketNamePrefix: other.bucketNamePrefix,
    });
    expect(deployment.resources.S3Key?.Properties.KeyPolicy).toEqual(keyPolicy("s3", other));
    expect(deployment.resources.RdsKey?.Properties.KeyPolicy).toEqual(keyPolicy("rds", other));
  });

  it("without TenantName: two retained, rotating, symmetric keys, no aliases, no tags", () => {
    const deployment = deploy(template);
    expect(Object.keys(deployment.resources)).toEqual(["S3Key", "RdsKey"]);
    for (const logicalId of ["S3Key", "RdsKey"]) {
      const definition = template.Resources;
      expect(isJsonObject(definition) && definition[logicalId]).toMatchObject({ DeletionPolicy: "Retain", UpdateReplacePolicy: "Retain" });
      expect(deployment.resources[logicalId]?.Properties).toMatchObject({
        KeySpec: "SYMMETRIC_DEFAULT",
        KeyUsage: "ENCRYPT_DECRYPT",
        EnableKeyRotation: true,
        PendingWindowInDays: 30,
      });
      expect(deployment.resources[logicalId]?.Properties).not.toHaveProperty("Tags");
    }
  });

  it("with TenantName: the aliases and the tenant tag on both keys", () => {
    const deployment = deploy(template, { TenantName: env.tenantName });
    expect(deployment.resources.S3KeyAlias).toEqual({
      Type: "AWS::KMS::Alias",
      Properties: { AliasName: `alias/stratus-objectstorage-byok-${env.tenantName}`, TargetKeyId: S3_KEY_ARN.split("/")[1] },
    });
    expect(deployment.resources.RdsKeyAlias).toEqual({
      Type: "AWS::KMS::Alias",
      Properties: { AliasName: `alias/stratus-database-byok-${env.tenantName}`, TargetKeyId: RDS_KEY_ARN.split("/")[1] },
    });
    for (const logicalId of ["S3Key", "RdsKey"]) {
      expect(deployment.resources[logicalId]?.Properties.Tags).toEqual([{ Key: "stratus:automation:TenantName", Value: env.tenantName }]);
    }
  });

  it("outputs both ARNs, and a payload the portal accepts", () => {
    const { outputs } = deploy(template);
    expect(outputs.S3KmsKeyArn).toBe(S3_KEY_ARN);
    expect(outputs.RdsKmsKeyArn).toBe(RDS_KEY_ARN);
    expect(JSON.parse(String(outputs.OnboardingPayload))).toEqual({ S3KmsKeyArn: S3_KEY_ARN, RdsKmsKeyArn: RDS_KEY_ARN });
    const schema = keyArnsFromPayloadSchema({ partition: env.partition, region: env.region, platformAccountId: env.platformAccountId });
    expect(schema.parse(`${String(outputs.OnboardingPayload)}\n`)).toEqual({ s3KeyArn: S3_KEY_ARN, rdsKeyArn: RDS_KEY_ARN });
  });

  it("carries this environment's values as parameter defaults", () => {
    expect(deploy(template).parameters).toEqual({
      PlatformRoleArn: env.platformRoleArn,
      PlatformAccountId: env.platformAccountId,
      PlatformRegion: env.region,
      EnvironmentId: env.environmentId,
      BucketNamePrefix: env.bucketNamePrefix,
      TenantName: "",
    });
  });

  it.each([
    ["TenantName", "Acme Corp"],
    ["TenantName", "acme-"],
    ["TenantName", "acme;reboot"],
    ["PlatformRegion", "eu-west"],
    ["PlatformAccountId", "2109876543210"],
    ["PlatformRoleArn", "arn:aws:iam::210987654321:user/byok-platform"],
    ["BucketNamePrefix", "stratus-*"],
    ["EnvironmentId", "*"],
    ["EnvironmentId", "0F3C6B2E-8D1A-4C5E-9B7F-2A6D8E4C1F90"],
    ["EnvironmentId", "0f3c6b2e-8d1a-4c5e-9b7f-2a6d8e4c1f9?"],
    ["BucketNamePrefix", "Stratus-abc"],
  ])("a bad %s (%j) fails in CloudFormation through AllowedPattern", (parameter, value) => {
    expect(() => deploy(template, { [parameter]: value })).toThrow(`Parameter ${parameter} failed to satisfy constraint`);
  });
});

// ---------------------------------------------------------------------------------------------

const hostile = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("eu-west-1\nx: y", "a'b", 'a"b', "$(reboot)", "`id`", "x #y", "!Ref X", "*anchor", "&a", "{a: 1}", "stratus-*", "[x]", "- x", "?"),
);
const validDefaults: fc.Arbitrary<TemplateDefaults> = fc.record({
  partition: fc.constant("aws"),
  region: fc.constantFrom("eu-west-1", "us-east-1", "ap-southeast-2", "eu-central-1"),
  platformAccountId: fc.constant("210987654321"),
  platformRoleArn: fc.stringMatching(/^[a-z][a-z0-9+=,.@_-]{0,20}$/).map((name) => `arn:aws:iam::210987654321:role/${name}`),
  environmentId: fc.uuid().map((id) => id.toLowerCase()),
  bucketNamePrefix: fc.stringMatching(/^[a-z][a-z0-9-]{1,20}[a-z0-9]$/),
  resourcePrefix: fc.stringMatching(/^[b-z][a-z0-9]{1,14}$/),
  tenantName: fc.option(fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?$/), { nil: undefined }),
});
const fieldNames = ["region", "platformAccountId", "platformRoleArn", "environmentId", "bucketNamePrefix", "resourcePrefix", "tenantName"] as const;
const tamperedDefaults = fc
  .tuple(validDefaults, fc.constantFrom(...fieldNames), hostile, fc.boolean())
  .map(([base, field, value, append]): TemplateDefaults => ({ ...base, [field]: append ? `${base[field] ?? ""}${value}` : value }));

describe("template properties", () => {
  const reference = parseCloudFormationYaml(renderKeysTemplate(defaults), "1.2");
  const withoutValues = (template: JsonObject) => {
    const text = JSON.stringify(template);
    return JSON.parse(
      text
        .replace(/"Default":"[^"]*"/g, '"Default":"…"')
        .replace(/(stratus|[a-z][a-z0-9]{1,14})(-objectstorage-byok-|-database-byok-|:automation:TenantName)/g, "PREFIX$2"),
    ) as Json;
  };

  it("no accepted input can put a newline, quote or $( into the YAML, or change its structure", () => {
    fc.assert(
      fc.property(fc.oneof(validDefaults, tamperedDefaults), (input) => {
        let text: string;
        try {
          text = renderKeysTemplate(input);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidByokValueError);
          return;
        }
        const values = [input.region, input.platformAccountId, input.platformRoleArn, input.environmentId, input.bucketNamePrefix, input.resourcePrefix, input.tenantName ?? ""];
        for (const value of values) expect(value).not.toMatch(/[\n\r"'`]|\$\(/);
        const parsed = parseCloudFormationYaml(text, "1.1");
        expect(parsed).toEqual(parseCloudFormationYaml(text, "1.2"));
        expect(deploy(parsed).parameters).toEqual({
          PlatformRoleArn: input.platformRoleArn,
          PlatformAccountId: input.platformAccountId,
          PlatformRegion: input.region,
          EnvironmentId: input.environmentId,
          BucketNamePrefix: input.bucketNamePrefix,
          TenantName: input.tenantName ?? "",
        });
        expect(withoutValues(parsed)).toEqual(withoutValues(reference));
        expect(text.split("\n").length).toBe(renderKeysTemplate(defaults).split("\n").length);
      }),
      { numRuns: 300 },
    );
  });
});
