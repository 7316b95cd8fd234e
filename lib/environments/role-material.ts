import "server-only";
import { statementsForPasting } from "@/lib/byok/policies";
import { ASSUME_ROLE_REFUSAL_NOTE, deployRoleCreatingKeyCommand, deployRoleWithExistingKeyCommand, describeRoleStackCommand, roleValidationCommands } from "@/lib/byok/role-commands";
import { roleKeyPolicyStatements, rolePermissionsPolicy, roleTrustPolicy } from "@/lib/byok/role-mode";
import { cliEndpointOption } from "@/lib/sandbox-deploy/mode";
import { roleModeValuesFor } from "./role-access";

/**
 * What a customer copies to set up role mode (F8) for one environment: the onboarding values,
 * the role's trust and permissions policies and the key-policy statements, rendered from the
 * BYOK core with the organization's values. Before the customer has named a key and a role,
 * the documents show placeholders where those go.
 */

export const KEY_ARN_PLACEHOLDER = "<your key ARN>";
export const ROLE_ARN_PLACEHOLDER = "<your role ARN>";

/** Stand-ins that pass the documents' checks; replaced by the placeholders above in the text shown. */
function standIns(partition: string, region: string) {
  return {
    keyArn: `arn:${partition}:kms:${region}:111122223333:key/00000000-0000-4000-8000-000000000000`,
    roleArn: `arn:${partition}:iam::111122223333:role/byok-placeholder-role`,
  };
}

export async function roleMaterial(environment: { region: string; organizationId: string; s3KeyArn: string | null; roleArn: string | null; keyAccess: string }) {
  const values = await roleModeValuesFor(environment.organizationId);
  const stand = standIns(values.partition, environment.region);
  const known = environment.keyAccess === "ROLE";
  const keyArn = (known ? environment.s3KeyArn : null) ?? stand.keyArn;
  const roleArn = (known ? environment.roleArn : null) ?? stand.roleArn;
  const show = (text: string) => text.replaceAll(stand.keyArn, KEY_ARN_PLACEHOLDER).replaceAll(stand.roleArn, ROLE_ARN_PLACEHOLDER);
  const commandContext = { ...values, region: environment.region, ...cliEndpointOption() };
  const validation = roleValidationCommands({ ...commandContext, roleArn, keyArn });
  return {
    values,
    onboarding: [
      { label: "Platform account id", value: values.platformAccountId },
      { label: "Platform role ARN", value: values.platformRoleArn },
      { label: "External ID", value: values.externalId },
    ],
    /** Highlighted wherever they appear in a document or command. */
    filled: [values.externalId, values.platformRoleArn, values.platformAccountId, values.tenant, environment.region],
    trustPolicy: JSON.stringify(roleTrustPolicy(values), null, 2),
    permissionsPolicy: show(JSON.stringify(rolePermissionsPolicy({ ...values, keyArn }), null, 2)),
    keyPolicyStatements: show(statementsForPasting(roleKeyPolicyStatements({ ...values, roleArn }))),
    commands: [
      { title: "Deploy command (creates a new key)", code: deployRoleCreatingKeyCommand(commandContext) },
      { title: "Deploy command (uses an existing key)", code: show(deployRoleWithExistingKeyCommand({ ...commandContext, keyArn })) },
      { title: "Describe-stacks command", code: describeRoleStackCommand(commandContext) },
    ],
    validationCommands: [
      { title: "Check whom the role trusts (get-role)", code: show(validation.getRole) },
      { title: "Check what the role may do (get-role-policy)", code: show(validation.getRolePolicy) },
      { title: "Describe the key", code: show(validation.describeKey) },
    ],
    assumeRoleNote: ASSUME_ROLE_REFUSAL_NOTE,
  };
}

export type RoleMaterial = Awaited<ReturnType<typeof roleMaterial>>;
