import { createHash } from "node:crypto";
import { buildAccountRootStatement } from "./policies";
import { ROLE_PAYLOAD_FIELDS } from "./role-arns";
import { checkRoleModeValues, roleKeyPolicyStatements, rolePermissionsPolicy, roleTrustPolicy, type RoleModeValues } from "./role-mode";
import { renderTemplateYaml, type CfnValue, type CloudFormationTemplate, type TemplateResource } from "./template";
import { keyArnPattern, requireTenantName } from "./values";

/**
 * Role mode's CloudFormation template (F8, issue #15): the IAM role the platform assumes with
 * the organization's External ID, its permissions policy on one KMS key, and optionally that
 * key. The External ID, the platform role and the tenant are written into the template from
 * validated values rather than offered as parameters, so the customer cannot get them wrong;
 * the only parameter is the key (empty: the stack creates one).
 *
 * The documents are role-mode.ts's, unchanged: they are rendered for placeholder ARNs and the
 * placeholders then replaced by the intrinsics that yield the real ARNs at deploy time.
 */

export const ROLE_TEMPLATE_FILE_NAME = "byok-role.yaml";

/** Not `KeyArn`: that is the name of an output, and a template's logical IDs should be unique. */
export const ROLE_TEMPLATE_PARAMETERS = { existingKeyArn: "ExistingKeyArn" } as const;

export const ROLE_TEMPLATE_LOGICAL_IDS = { role: "Role", key: "Key", keyUsePolicy: "KeyUsePolicy" } as const;

export const ROLE_TEMPLATE_OUTPUTS = { onboardingPayload: "OnboardingPayload", roleArn: "RoleArn", keyArn: "KeyArn" } as const;

/** The fields of the OnboardingPayload JSON the customer pastes into the portal (parsed by role-arns.ts). */
export { ROLE_PAYLOAD_FIELDS };

/** The name of the role's inline permissions policy (what `aws iam get-role-policy` asks for). */
export const ROLE_KEY_POLICY_NAME = "byok-key-use";

const CREATE_KEY = "CreateKey";

/** IAM: role names are 1–64 characters of `[\w+=,.@-]`. */
const IAM_ROLE_NAME_MAX_LENGTH = 64;
const ROLE_NAME_PREFIX = "byok-access-";

/**
 * The role's name, derived from the tenant so that the same organization always gets the same
 * role. A tenant too long for IAM's 64 characters is shortened and given a digest of the full
 * name, so two long tenants sharing a beginning still get different roles.
 */
export function roleNameFor(tenant: string): string {
  const name = `${ROLE_NAME_PREFIX}${requireTenantName(tenant, "tenant")}`;
  if (name.length <= IAM_ROLE_NAME_MAX_LENGTH) return name;
  const digest = createHash("sha256").update(tenant).digest("hex").slice(0, 8);
  return `${name.slice(0, IAM_ROLE_NAME_MAX_LENGTH - digest.length - 1)}-${digest}`;
}

export type RoleTemplateResource = TemplateResource & { DependsOn?: string };

export type RoleCloudFormationTemplate = Omit<CloudFormationTemplate, "Resources"> & {
  Resources: { [logicalId: string]: RoleTemplateResource };
};

// Placeholders: syntactically valid ARNs that no real role or key has (account 000000000000).
const placeholderRoleArn = (partition: string) => `arn:${partition}:iam::000000000000:role/byok-template-placeholder-role`;
const placeholderKeyArn = (partition: string) => `arn:${partition}:kms:us-east-1:000000000000:key/00000000-0000-4000-8000-000000000000`;

/** Replaces every string equal to `placeholder` by `replacement`; one merely containing it is a bug. */
function replacePlaceholder(value: CfnValue, placeholder: string, replacement: CfnValue): CfnValue {
  if (typeof value === "string") {
    if (value === placeholder) return replacement;
    if (value.includes(placeholder)) throw new Error(`A placeholder ARN is embedded in ${JSON.stringify(value)}; it must be a whole value`);
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => replacePlaceholder(item, placeholder, replacement));
  if (typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, replacePlaceholder(inner, placeholder, replacement)]));
  }
  return value;
}

/** The policy types are plain JSON; re-typing them as CfnValue lets the placeholder walk stay generic. */
const asCfnValue = (document: unknown): CfnValue => JSON.parse(JSON.stringify(document)) as CfnValue;

const optionalKeyArnPattern = `^(?:${keyArnPattern.source.slice(1, -1)})?$`;

/** The template as data, for one organization's validated values. */
export function roleTemplateModel(input: RoleModeValues): RoleCloudFormationTemplate {
  const values = checkRoleModeValues(input);
  const { role, key, keyUsePolicy } = ROLE_TEMPLATE_LOGICAL_IDS;
  const roleArn: CfnValue = { "Fn::GetAtt": [role, "Arn"] };
  const keyArn: CfnValue = { "Fn::If": [CREATE_KEY, { "Fn::GetAtt": [key, "Arn"] }, { Ref: ROLE_TEMPLATE_PARAMETERS.existingKeyArn }] };

  const rolePlaceholder = placeholderRoleArn(values.partition);
  const keyPlaceholder = placeholderKeyArn(values.partition);
  const permissions = replacePlaceholder(asCfnValue(rolePermissionsPolicy({ ...values, keyArn: keyPlaceholder })), keyPlaceholder, keyArn);
  // The key's own account keeps full control through IAM, as AWS's default key policy does.
  const accountRoot = buildAccountRootStatement("${AWS::Partition}", "${AWS::AccountId}");
  const keyPolicy = replacePlaceholder(
    asCfnValue({
      Version: "2012-10-17",
      Statement: [
        { ...accountRoot, Principal: { AWS: { "Fn::Sub": accountRoot.Principal.AWS } } },
        ...roleKeyPolicyStatements({ ...values, roleArn: rolePlaceholder }),
      ],
    }),
    rolePlaceholder,
    roleArn,
  );

  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Description:
      `BYOK role mode for tenant ${values.tenant}: an IAM role the SaaS platform may assume only with your organization's External ID, ` +
      "allowed to use one KMS key for that tenant only. Creates the key too unless you pass an existing one. A created key is kept when the stack is deleted.",
    Parameters: {
      [ROLE_TEMPLATE_PARAMETERS.existingKeyArn]: {
        Type: "String",
        Description:
          "Optional. The ARN of an existing symmetric KMS key in this account and Region for the platform to use. Leave it empty and the stack creates a new key.",
        Default: "",
        AllowedPattern: optionalKeyArnPattern,
        ConstraintDescription: "must be empty or the full ARN of a KMS key, such as arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      },
    },
    Conditions: {
      [CREATE_KEY]: { "Fn::Equals": [{ Ref: ROLE_TEMPLATE_PARAMETERS.existingKeyArn }, ""] },
    },
    Resources: {
      [role]: {
        Type: "AWS::IAM::Role",
        Properties: {
          RoleName: roleNameFor(values.tenant),
          Description: `Lets the SaaS platform use your KMS key for tenant ${values.tenant}; assumable only with your organization's External ID`,
          // Role chaining (the platform's session assuming this role) caps sessions at one hour anyway.
          MaxSessionDuration: 3600,
          AssumeRolePolicyDocument: asCfnValue(roleTrustPolicy(values)),
        },
      },
      [key]: {
        Type: "AWS::KMS::Key",
        Condition: CREATE_KEY,
        // The key policy names the role, and KMS refuses a policy naming a principal that does not exist yet.
        DependsOn: role,
        // The data encrypted under the key is unreadable without it: never delete it with the stack.
        DeletionPolicy: "Retain",
        UpdateReplacePolicy: "Retain",
        Properties: {
          Description: `Customer-managed key the SaaS platform uses for tenant ${values.tenant} (BYOK role mode)`,
          KeySpec: "SYMMETRIC_DEFAULT",
          KeyUsage: "ENCRYPT_DECRYPT",
          EnableKeyRotation: true,
          PendingWindowInDays: 30,
          KeyPolicy: keyPolicy,
        },
      },
      // A policy of its own rather than inline on the role: it names the key, whose policy names the role.
      [keyUsePolicy]: {
        Type: "AWS::IAM::Policy",
        Properties: {
          PolicyName: ROLE_KEY_POLICY_NAME,
          Roles: [{ Ref: role }],
          PolicyDocument: permissions,
        },
      },
    },
    Outputs: {
      [ROLE_TEMPLATE_OUTPUTS.onboardingPayload]: {
        Description: "The role ARN and the key ARN as JSON: paste this into the portal",
        Value: {
          "Fn::Join": ["", [`{"${ROLE_PAYLOAD_FIELDS.roleArn}":"`, roleArn, `","${ROLE_PAYLOAD_FIELDS.keyArn}":"`, keyArn, '"}']],
        },
      },
      [ROLE_TEMPLATE_OUTPUTS.roleArn]: { Description: "ARN of the role the platform assumes", Value: roleArn },
      [ROLE_TEMPLATE_OUTPUTS.keyArn]: { Description: "ARN of the key the role may use", Value: keyArn },
    },
  };
}

/** The template as YAML text, ready to download as byok-role.yaml. */
export function renderRoleModeTemplate(values: RoleModeValues): string {
  return renderTemplateYaml(
    roleTemplateModel(values) as unknown as CfnValue,
    " BYOK role mode: the IAM role the platform assumes with your External ID, and its KMS key. Generated by the portal for your organization.\n" +
      " Deploy it in your environment's Region with the aws cloudformation deploy command shown in the portal (it needs CAPABILITY_NAMED_IAM).",
  );
}
