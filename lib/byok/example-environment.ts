import type { CommandContext } from "./commands";
import type { PolicyContext } from "./policies";
import type { TemplateDefaults } from "./template";

/**
 * One fixed, made-up environment: the golden files and templates/byok-kms-keys.yaml are
 * rendered from it. The platform values match the sandbox's platform account and role.
 */
export const EXAMPLE_ENVIRONMENT = {
  partition: "aws",
  region: "eu-west-1",
  platformAccountId: "210987654321",
  platformRoleArn: "arn:aws:iam::210987654321:role/byok-platform",
  resourcePrefix: "stratus",
  environmentId: "0f3c6b2e-8d1a-4c5e-9b7f-2a6d8e4c1f90",
  bucketNamePrefix: "stratus-0f3c6b2e-8d1a-4c5e-9b7f-2a6d8e4c1f90",
  stackName: "stratus-0f3c6b2e-8d1a-4c5e-9b7f-2a6d8e4c1f90-byok-keys",
  customerAccountId: "123456789012",
  tenantName: "acme-7k2q",
  s3KeyArn: "arn:aws:kms:eu-west-1:123456789012:key/5d2f8c1a-3b4e-4f6a-9c7d-1e2f3a4b5c6d",
  rdsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/mrk-8e1f2a3b4c5d6e7f8091a2b3c4d5e6f7",
} as const;

/** What every policy, template and command of the example environment is rendered from. */
const EXAMPLE_PLATFORM_VALUES: Omit<PolicyContext, "customerAccountId"> = {
  partition: EXAMPLE_ENVIRONMENT.partition,
  region: EXAMPLE_ENVIRONMENT.region,
  platformAccountId: EXAMPLE_ENVIRONMENT.platformAccountId,
  platformRoleArn: EXAMPLE_ENVIRONMENT.platformRoleArn,
  environmentId: EXAMPLE_ENVIRONMENT.environmentId,
  bucketNamePrefix: EXAMPLE_ENVIRONMENT.bucketNamePrefix,
};

export const EXAMPLE_TEMPLATE_DEFAULTS: TemplateDefaults = { ...EXAMPLE_PLATFORM_VALUES, resourcePrefix: EXAMPLE_ENVIRONMENT.resourcePrefix };

export const EXAMPLE_POLICY_CONTEXT: PolicyContext & { customerAccountId: string } = {
  ...EXAMPLE_PLATFORM_VALUES,
  customerAccountId: EXAMPLE_ENVIRONMENT.customerAccountId,
};

export const EXAMPLE_COMMAND_CONTEXT: CommandContext = {
  ...EXAMPLE_PLATFORM_VALUES,
  resourcePrefix: EXAMPLE_ENVIRONMENT.resourcePrefix,
  stackName: EXAMPLE_ENVIRONMENT.stackName,
};
