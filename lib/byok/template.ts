import { Document, Scalar, YAMLMap, YAMLSeq, type Node } from "yaml";
import { buildKeyPolicy, type KeyKind, type StatementValues } from "./policies";
import {
  accountIdPattern,
  bucketNamePrefixPattern,
  environmentIdPattern,
  iamRoleArnPattern,
  regionPattern,
  requireAccountId,
  requireBucketNamePrefix,
  requireEnvironmentId,
  requirePartition,
  requirePlatformRoleArn,
  requireRegion,
  requireResourcePrefix,
  requireTenantName,
  tenantNamePattern,
  tenantTagKey,
} from "./values";

/**
 * The CloudFormation template that creates the customer's two keys. Built as data (the JSON form
 * of CloudFormation, intrinsic functions as `{ Ref }`, `{ "Fn::Sub" }` …) and rendered to YAML
 * with the `yaml` document model, intrinsics as short-form tags (`!Ref`, `!Sub`, `!If` …).
 */

export const TEMPLATE_FILE_NAME = "byok-kms-keys.yaml";

export interface TemplateDefaults {
  partition: string;
  region: string;
  platformAccountId: string;
  platformRoleArn: string;
  environmentId: string;
  bucketNamePrefix: string;
  resourcePrefix: string;
  tenantName?: string;
}

export type CfnValue = string | number | boolean | CfnValue[] | { [key: string]: CfnValue };

export type TemplateParameter = {
  Type: "String";
  Description: string;
  Default: string;
  AllowedPattern: string;
  ConstraintDescription: string;
};

export type TemplateResource = {
  Type: string;
  Condition?: string;
  DeletionPolicy?: "Retain" | "Delete";
  UpdateReplacePolicy?: "Retain" | "Delete";
  Properties: { [key: string]: CfnValue };
};

export type TemplateOutput = { Description: string; Value: CfnValue };

export type CloudFormationTemplate = {
  AWSTemplateFormatVersion: "2010-09-09";
  Description: string;
  Parameters: { [name: string]: TemplateParameter };
  Conditions: { [name: string]: CfnValue };
  Resources: { [logicalId: string]: TemplateResource };
  Outputs: { [name: string]: TemplateOutput };
};

/** Parameter names, shared with the deploy commands. */
export const TEMPLATE_PARAMETERS = {
  platformRoleArn: "PlatformRoleArn",
  platformAccountId: "PlatformAccountId",
  region: "PlatformRegion",
  environmentId: "EnvironmentId",
  bucketNamePrefix: "BucketNamePrefix",
  tenantName: "TenantName",
} as const;

export const TEMPLATE_LOGICAL_IDS = {
  s3Key: "S3Key",
  rdsKey: "RdsKey",
  s3Alias: "S3KeyAlias",
  rdsAlias: "RdsKeyAlias",
} as const;

export const TEMPLATE_OUTPUTS = {
  s3KeyArn: "S3KmsKeyArn",
  rdsKeyArn: "RdsKmsKeyArn",
  onboardingPayload: "OnboardingPayload",
} as const;

const HAS_TENANT_NAME = "HasTenantName";

/** `^…$` for CloudFormation's AllowedPattern, which must match the whole value. */
const allowed = (pattern: RegExp) => pattern.source;
const optionalTenantNamePattern = `^(?:${tenantNamePattern.source.slice(1, -1)})?$`;

export function checkTemplateDefaults(defaults: TemplateDefaults): Required<Omit<TemplateDefaults, "tenantName">> & { tenantName: string } {
  const partition = requirePartition(defaults.partition);
  const platformAccountId = requireAccountId(defaults.platformAccountId, "platform account id");
  return {
    partition,
    region: requireRegion(defaults.region),
    platformAccountId,
    platformRoleArn: requirePlatformRoleArn(defaults.platformRoleArn, { partition, platformAccountId }),
    environmentId: requireEnvironmentId(defaults.environmentId),
    bucketNamePrefix: requireBucketNamePrefix(defaults.bucketNamePrefix),
    resourcePrefix: requireResourcePrefix(defaults.resourcePrefix),
    tenantName: defaults.tenantName === undefined || defaults.tenantName === "" ? "" : requireTenantName(defaults.tenantName),
  };
}

/** The parameter values a deploy of this template passes, by parameter name. */
export function templateParameterValues(defaults: TemplateDefaults): Record<string, string> {
  const checked = checkTemplateDefaults(defaults);
  return {
    [TEMPLATE_PARAMETERS.platformRoleArn]: checked.platformRoleArn,
    [TEMPLATE_PARAMETERS.platformAccountId]: checked.platformAccountId,
    [TEMPLATE_PARAMETERS.region]: checked.region,
    [TEMPLATE_PARAMETERS.environmentId]: checked.environmentId,
    [TEMPLATE_PARAMETERS.bucketNamePrefix]: checked.bucketNamePrefix,
    ...(checked.tenantName === "" ? {} : { [TEMPLATE_PARAMETERS.tenantName]: checked.tenantName }),
  };
}

const parameterNames: ReadonlySet<string> = new Set(Object.values(TEMPLATE_PARAMETERS));

/** The statement values as CloudFormation `${…}` references, so parameters flow into the policies. */
const statementReferences: StatementValues = {
  partition: "${AWS::Partition}",
  region: `\${${TEMPLATE_PARAMETERS.region}}`,
  platformAccountId: `\${${TEMPLATE_PARAMETERS.platformAccountId}}`,
  platformRoleArn: `\${${TEMPLATE_PARAMETERS.platformRoleArn}}`,
  environmentId: `\${${TEMPLATE_PARAMETERS.environmentId}}`,
  bucketNamePrefix: `\${${TEMPLATE_PARAMETERS.bucketNamePrefix}}`,
};
const customerAccountReference = "${AWS::AccountId}";

/** Turns strings holding `${…}` references into `!Ref` (a whole parameter) or `!Sub`. */
function withReferences(value: CfnValue): CfnValue {
  if (typeof value === "string") {
    if (!value.includes("${")) return value;
    const whole = /^\$\{([A-Za-z0-9]+)\}$/.exec(value);
    if (whole?.[1] !== undefined && parameterNames.has(whole[1])) return { Ref: whole[1] };
    return { "Fn::Sub": value };
  }
  if (Array.isArray(value)) return value.map(withReferences);
  if (typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, withReferences(inner)]));
  }
  return value;
}

function templateKeyPolicy(kind: KeyKind): CfnValue {
  const policy = buildKeyPolicy(kind, statementReferences, customerAccountReference);
  // The policy types are plain JSON; re-typing them as CfnValue keeps the walk above generic.
  return withReferences(JSON.parse(JSON.stringify(policy)) as CfnValue);
}

function keyResource(kind: KeyKind, tagKey: string): TemplateResource {
  return {
    Type: "AWS::KMS::Key",
    // The data encrypted under the key is unreadable without it: never delete it with the stack.
    DeletionPolicy: "Retain",
    UpdateReplacePolicy: "Retain",
    Properties: {
      Description:
        kind === "s3"
          ? "Customer-managed key for the SaaS environment's object storage (S3)"
          : "Customer-managed key for the SaaS environment's database (Aurora)",
      KeySpec: "SYMMETRIC_DEFAULT",
      KeyUsage: "ENCRYPT_DECRYPT",
      EnableKeyRotation: true,
      PendingWindowInDays: 30,
      KeyPolicy: templateKeyPolicy(kind),
      Tags: {
        "Fn::If": [HAS_TENANT_NAME, [{ Key: tagKey, Value: { Ref: TEMPLATE_PARAMETERS.tenantName } }], { Ref: "AWS::NoValue" }],
      },
    },
  };
}

function aliasResource(aliasPrefix: string, keyLogicalId: string): TemplateResource {
  return {
    Type: "AWS::KMS::Alias",
    Condition: HAS_TENANT_NAME,
    Properties: {
      AliasName: { "Fn::Sub": `${aliasPrefix}\${${TEMPLATE_PARAMETERS.tenantName}}` },
      TargetKeyId: { Ref: keyLogicalId },
    },
  };
}

/** The template as data, with this environment's values as parameter defaults. */
export function keysTemplateModel(defaults: TemplateDefaults): CloudFormationTemplate {
  const values = checkTemplateDefaults(defaults);
  const prefix = values.resourcePrefix;
  const tagKey = tenantTagKey(prefix);
  const { s3Key, rdsKey, s3Alias, rdsAlias } = TEMPLATE_LOGICAL_IDS;
  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Description:
      "Two customer-managed KMS keys for a SaaS environment with BYOK: one for object storage (S3), one for the database (Aurora). The keys are kept when the stack is deleted.",
    Parameters: {
      [TEMPLATE_PARAMETERS.platformRoleArn]: {
        Type: "String",
        Description: "The platform's IAM role, the only principal of the SaaS vendor the key policies allow. Use the value shown in the portal.",
        Default: values.platformRoleArn,
        AllowedPattern: allowed(iamRoleArnPattern),
        ConstraintDescription: "must be an IAM role ARN such as arn:aws:iam::210987654321:role/byok-platform",
      },
      [TEMPLATE_PARAMETERS.platformAccountId]: {
        Type: "String",
        Description: "The platform's AWS account ID. Use the value shown in the portal.",
        Default: values.platformAccountId,
        AllowedPattern: allowed(accountIdPattern),
        ConstraintDescription: "must be a 12-digit AWS account ID",
      },
      [TEMPLATE_PARAMETERS.region]: {
        Type: "String",
        Description: "The Region of the environment. Deploy this stack in the same Region: S3 and Aurora only use keys from their own Region.",
        Default: values.region,
        AllowedPattern: allowed(regionPattern),
        ConstraintDescription: "must be an AWS Region code such as eu-west-1",
      },
      [TEMPLATE_PARAMETERS.environmentId]: {
        Type: "String",
        Description:
          "The id of the environment these keys are for. The platform uses the keys only from its sessions for this environment, so nobody can make it use them for another one. Use the value shown in the portal.",
        Default: values.environmentId,
        AllowedPattern: allowed(environmentIdPattern),
        ConstraintDescription: "must be the environment id shown in the portal (a lower-case UUID)",
      },
      [TEMPLATE_PARAMETERS.bucketNamePrefix]: {
        Type: "String",
        Description: "The name prefix of the environment's S3 buckets; the S3 key may only be used for these buckets. Use the value shown in the portal.",
        Default: values.bucketNamePrefix,
        AllowedPattern: allowed(bucketNamePrefixPattern),
        ConstraintDescription: "must be lower-case letters, digits and hyphens, starting with a letter",
      },
      [TEMPLATE_PARAMETERS.tenantName]: {
        Type: "String",
        Description: "Optional. The tenant name the platform assigned after provisioning; when set, the keys get aliases and a tenant tag.",
        Default: values.tenantName,
        AllowedPattern: optionalTenantNamePattern,
        ConstraintDescription: "must be empty or the tenant name shown in the portal (lower-case letters, digits and hyphens)",
      },
    },
    Conditions: {
      [HAS_TENANT_NAME]: { "Fn::Not": [{ "Fn::Equals": [{ Ref: TEMPLATE_PARAMETERS.tenantName }, ""] }] },
    },
    Resources: {
      [s3Key]: keyResource("s3", tagKey),
      [rdsKey]: keyResource("rds", tagKey),
      [s3Alias]: aliasResource(`alias/${prefix}-objectstorage-byok-`, s3Key),
      [rdsAlias]: aliasResource(`alias/${prefix}-database-byok-`, rdsKey),
    },
    Outputs: {
      [TEMPLATE_OUTPUTS.s3KeyArn]: { Description: "ARN of the key for object storage (S3)", Value: { "Fn::GetAtt": [s3Key, "Arn"] } },
      [TEMPLATE_OUTPUTS.rdsKeyArn]: { Description: "ARN of the key for the database (Aurora)", Value: { "Fn::GetAtt": [rdsKey, "Arn"] } },
      [TEMPLATE_OUTPUTS.onboardingPayload]: {
        Description: "Both key ARNs as JSON: paste this into the portal",
        Value: { "Fn::Sub": `{"S3KmsKeyArn":"\${${s3Key}.Arn}","RdsKmsKeyArn":"\${${rdsKey}.Arn}"}` },
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Rendering to YAML with short-form tags.

const scalarFunctions: Record<string, string> = { Ref: "!Ref", "Fn::Sub": "!Sub" };
const listFunctions: Record<string, string> = {
  "Fn::If": "!If",
  "Fn::Equals": "!Equals",
  "Fn::Not": "!Not",
  "Fn::And": "!And",
  "Fn::Or": "!Or",
  "Fn::Join": "!Join",
  "Fn::Select": "!Select",
};

function toNode(doc: Document, value: CfnValue): Node {
  if (Array.isArray(value)) {
    const seq = new YAMLSeq();
    seq.items = value.map((item) => toNode(doc, item));
    return seq;
  }
  if (typeof value !== "object") return doc.createNode(value);

  const entries = Object.entries(value);
  const [only] = entries;
  if (entries.length === 1 && only !== undefined) {
    const [name, argument] = only;
    const scalarTag = scalarFunctions[name];
    if (scalarTag !== undefined && typeof argument === "string") {
      const node = new Scalar(argument);
      node.tag = scalarTag;
      return node;
    }
    if (name === "Fn::GetAtt" && Array.isArray(argument) && argument.length === 2 && argument.every((part) => typeof part === "string")) {
      const node = new Scalar(argument.join("."));
      node.tag = "!GetAtt";
      return node;
    }
    const listTag = listFunctions[name];
    if (listTag !== undefined && Array.isArray(argument)) {
      const node = toNode(doc, argument);
      node.tag = listTag;
      return node;
    }
    if (name.startsWith("Fn::") || name === "Ref") {
      throw new Error(`No short form for the intrinsic function ${name} with this argument`);
    }
  }
  const map = new YAMLMap();
  for (const [key, inner] of entries) map.set(doc.createNode(key), toNode(doc, inner));
  return map;
}

/**
 * A template model as YAML text with short-form intrinsics and a leading comment. YAML 1.1 rules
 * for quoting: strings such as "2012-10-17", "true", "yes" or "210987654321" come out quoted, so
 * no YAML reader turns them into dates, booleans or numbers.
 */
export function renderTemplateYaml(model: CfnValue, comment: string): string {
  const doc = new Document(null, { version: "1.1" });
  doc.contents = toNode(doc, model);
  doc.commentBefore = comment;
  return doc.toString({ lineWidth: 0 });
}

/** The template as YAML text, ready to download as byok-kms-keys.yaml. */
export function renderKeysTemplate(defaults: TemplateDefaults): string {
  return renderTemplateYaml(
    keysTemplateModel(defaults) as unknown as CfnValue,
    " Customer-managed KMS keys for BYOK, generated by the portal for this environment.\n" +
      " Deploy it in the environment's Region with the aws cloudformation deploy command shown in the portal.",
  );
}
