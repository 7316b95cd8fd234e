import "server-only";
import { describeStacksCommand, deployCommand, manualAliasCommands, redeployWithTenantCommand, stackNameFor, type CommandContext } from "@/lib/byok/commands";
import { rdsKeyStatements, s3KeyStatements, statementsForPasting } from "@/lib/byok/policies";
import { renderKeysTemplate, TEMPLATE_FILE_NAME } from "@/lib/byok/template";
import { bucketNamePrefixFor } from "@/lib/byok/values";
import { env } from "@/lib/env";
import { cliEndpointOption } from "@/lib/sandbox-deploy/mode";

/**
 * Everything the customer copies for one environment: onboarding values, key policy
 * statements, the template and the commands, all rendered from the BYOK core.
 */
export function byokMaterial(environment: { id: string; region: string; tenantName?: string | null; s3KeyArn?: string | null; rdsKeyArn?: string | null }) {
  const config = env();
  const bucketNamePrefix = bucketNamePrefixFor(config.resourcePrefix, environment.id);
  const policyContext = {
    partition: config.partition,
    region: environment.region,
    platformAccountId: config.platformAccountId,
    platformRoleArn: config.platformRoleArn,
    environmentId: environment.id,
    bucketNamePrefix,
  };
  const commandContext: CommandContext = {
    ...policyContext,
    ...cliEndpointOption(),
    resourcePrefix: config.resourcePrefix,
    stackName: stackNameFor(bucketNamePrefix),
    templateFile: TEMPLATE_FILE_NAME,
  };
  const tenantName = environment.tenantName ?? undefined;
  return {
    onboarding: {
      platformRoleArn: config.platformRoleArn,
      region: environment.region,
      platformAccountId: config.platformAccountId,
    },
    bucketNamePrefix,
    stackName: commandContext.stackName,
    filled: [config.platformRoleArn, config.platformAccountId, environment.region, environment.id, bucketNamePrefix],
    s3Statements: statementsForPasting(s3KeyStatements(policyContext)),
    rdsStatements: statementsForPasting(rdsKeyStatements(policyContext)),
    deployCommand: deployCommand(commandContext),
    describeStacksCommand: describeStacksCommand(commandContext),
    template: () => renderKeysTemplate({ ...policyContext, resourcePrefix: config.resourcePrefix }),
    tenantCommands:
      tenantName && environment.s3KeyArn && environment.rdsKeyArn
        ? {
            redeploy: redeployWithTenantCommand({ ...commandContext, tenantName }),
            manual: manualAliasCommands({ ...commandContext, tenantName, s3KeyArn: environment.s3KeyArn, rdsKeyArn: environment.rdsKeyArn }),
          }
        : null,
  };
}
