import { describe, expect, it } from "vitest";
import { deployCommand, describeStacksCommand, manualAliasCommands, redeployWithTenantCommand } from "./commands";
import { EXAMPLE_COMMAND_CONTEXT, EXAMPLE_ENVIRONMENT, EXAMPLE_POLICY_CONTEXT, EXAMPLE_TEMPLATE_DEFAULTS } from "./example-environment";
import { keyPolicy, rdsKeyStatements, s3KeyStatements } from "./policies";
import { renderKeysTemplate } from "./template";

/**
 * Golden files: what customers copy, rendered for one fixed environment and reviewed by eye.
 * A change to any of them fails here; after reviewing the diff, regenerate with
 *   npx vitest run --project unit lib/byok/golden.test.ts -u
 * templates/byok-kms-keys.yaml is the template's golden file (and the example the docs show).
 */

const env = EXAMPLE_ENVIRONMENT;
const policyContext = EXAMPLE_POLICY_CONTEXT;
const commandContext = EXAMPLE_COMMAND_CONTEXT;

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

describe("golden files", () => {
  it("S3 key statements", async () => {
    await expect(json(s3KeyStatements(policyContext))).toMatchFileSnapshot("./__golden__/s3-key-statements.json");
  });

  it("Aurora key statements", async () => {
    await expect(json(rdsKeyStatements(policyContext))).toMatchFileSnapshot("./__golden__/rds-key-statements.json");
  });

  it("complete key policies", async () => {
    await expect(json(keyPolicy("s3", policyContext))).toMatchFileSnapshot("./__golden__/s3-key-policy.json");
    await expect(json(keyPolicy("rds", policyContext))).toMatchFileSnapshot("./__golden__/rds-key-policy.json");
  });

  it("commands", async () => {
    const sections = [
      ["Create the keys (step 2)", deployCommand(commandContext)],
      ["Print the onboarding payload", describeStacksCommand(commandContext)],
      ["Add aliases and tags after provisioning (step 4), CloudFormation", redeployWithTenantCommand({ ...commandContext, tenantName: env.tenantName })],
      [
        "Add aliases and tags after provisioning (step 4), manually",
        manualAliasCommands({ ...commandContext, tenantName: env.tenantName, s3KeyArn: env.s3KeyArn, rdsKeyArn: env.rdsKeyArn }).join("\n\n"),
      ],
    ];
    const text = sections.map(([title, command]) => `# ${title}\n${command}\n`).join("\n");
    await expect(text).toMatchFileSnapshot("./__golden__/commands.sh");
  });

  it("the template in templates/ is the rendering of the example environment", async () => {
    await expect(renderKeysTemplate(EXAMPLE_TEMPLATE_DEFAULTS)).toMatchFileSnapshot("../../templates/byok-kms-keys.yaml");
  });
});
