/**
 * The real customer-side client: Debian's `aws` CLI runs the very deploy / describe-stacks
 * commands the BYOK core renders (with `--endpoint-url` added) against the sandbox.
 * The test runner installs the CLI (`apt-get install awscli`); this file only checks for it.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { describeStacksCommand, deployCommand, redeployWithTenantCommand } from "@/lib/byok/commands";
import { EXAMPLE_ENVIRONMENT, EXAMPLE_TEMPLATE_DEFAULTS } from "@/lib/byok/example-environment";
import { renderKeysTemplate, TEMPLATE_FILE_NAME } from "@/lib/byok/template";
import type { RunningSandbox } from "./server";
import { sandboxJson, startTestSandbox } from "./test-support";

const run = promisify(execFile);
const AWS = "/usr/bin/aws";

/**
 * `aws cloudformation deploy` names its change set `awscli-cloudformation-package-deploy-<epoch
 * second>`. This sitecustomize pins that second (and nothing else) for the CLI processes the
 * test starts, so consecutive deploys always reuse one name, as two deploys within one second do.
 */
const CHANGE_SET_EPOCH = 1_700_000_000;
const CHANGE_SET_NAME = `awscli-cloudformation-package-deploy-${CHANGE_SET_EPOCH}`;
const SITECUSTOMIZE = `import os, time, types
from awscli.customizations.cloudformation import deployer
deployer.time = types.SimpleNamespace(time=lambda: float(os.environ["BYOK_TEST_CHANGE_SET_EPOCH"]), sleep=time.sleep)
`;

let sandbox: RunningSandbox;
let workdir: string;

beforeAll(async () => {
  if (!fs.existsSync(AWS)) {
    throw new Error(`${AWS} is missing: install Debian's awscli (apt-get install -y awscli); the test runner does this before the integration suite.`);
  }
  sandbox = await startTestSandbox();
  workdir = fs.mkdtempSync(path.join(os.tmpdir(), "byok-cli-"));
  fs.writeFileSync(path.join(workdir, TEMPLATE_FILE_NAME), renderKeysTemplate(EXAMPLE_TEMPLATE_DEFAULTS));
  fs.mkdirSync(path.join(workdir, "python"));
  fs.writeFileSync(path.join(workdir, "python", "sitecustomize.py"), SITECUSTOMIZE);
});

afterAll(async () => {
  await sandbox?.close();
  if (workdir) fs.rmSync(workdir, { recursive: true, force: true });
});

/** Only the sandbox identity: no profile, config or session token from the machine running the tests. */
function cliEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith("AWS_")) delete env[name];
  return {
    ...env,
    HOME: workdir,
    AWS_ACCESS_KEY_ID: "customer",
    AWS_SECRET_ACCESS_KEY: "customer",
    AWS_PAGER: "",
    AWS_CONFIG_FILE: path.join(workdir, "no-config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(workdir, "no-credentials"),
    PYTHONPATH: path.join(workdir, "python"),
    BYOK_TEST_CHANGE_SET_EPOCH: String(CHANGE_SET_EPOCH),
  };
}

/** Runs a rendered `aws …` command line (with its `\` continuations) against the sandbox as `customer`. */
async function aws(commandLine: string): Promise<{ stdout: string; stderr: string; code: number }> {
  const withEndpoint = commandLine.replace(/^aws /, `${AWS} --endpoint-url ${sandbox.url} `);
  try {
    const { stdout, stderr } = await run("bash", ["-c", withEndpoint], {
      cwd: workdir,
      env: cliEnvironment(),
      timeout: 120_000,
    });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; code?: number };
    return { stdout: e.stdout ?? "", stderr: e.stderr ?? "", code: e.code ?? 1 };
  }
}

const commandContext = {
  region: EXAMPLE_ENVIRONMENT.region,
  platformRoleArn: EXAMPLE_ENVIRONMENT.platformRoleArn,
  platformAccountId: EXAMPLE_ENVIRONMENT.platformAccountId,
  environmentId: EXAMPLE_ENVIRONMENT.environmentId,
  bucketNamePrefix: EXAMPLE_ENVIRONMENT.bucketNamePrefix,
  stackName: EXAMPLE_ENVIRONMENT.stackName,
  resourcePrefix: EXAMPLE_TEMPLATE_DEFAULTS.resourcePrefix,
  partition: EXAMPLE_ENVIRONMENT.partition,
  profile: null,
};

/** The change set the stack was last deployed with, as the sandbox's state records it. */
async function lastChangeSetId(): Promise<string | undefined> {
  const state = await sandboxJson<{ cloudformation: Record<string, Record<string, { stacks: Array<{ stackName: string; status: string; lastChangeSetId?: string }> }>> }>(sandbox.url, "/_sandbox/state");
  const stacks = state.cloudformation["123456789012"]?.[EXAMPLE_ENVIRONMENT.region]?.stacks ?? [];
  return stacks.find((s) => s.stackName === commandContext.stackName && s.status !== "DELETE_COMPLETE")?.lastChangeSetId;
}

describe("aws CLI against the sandbox", () => {
  test("deploy, redeploy at once with TenantName, read the payload, delete and keep the keys", async () => {
    const region = EXAMPLE_ENVIRONMENT.region;
    const tenantName = EXAMPLE_ENVIRONMENT.tenantName;
    const deployed = await aws(deployCommand(commandContext));
    expect(deployed.stderr).toBe("");
    expect(deployed.code).toBe(0);
    expect(deployed.stdout).toContain("Successfully created/updated stack");
    const firstChangeSet = await lastChangeSetId();
    expect(firstChangeSet).toContain(`:changeSet/${CHANGE_SET_NAME}/`);

    // Straight away, under the same change set name: the executed change set is gone, so this works.
    const redeployed = await aws(redeployWithTenantCommand({ ...commandContext, tenantName }));
    expect(redeployed.stderr).toBe("");
    expect(redeployed.code).toBe(0);
    const secondChangeSet = await lastChangeSetId();
    expect(secondChangeSet).toContain(`:changeSet/${CHANGE_SET_NAME}/`);
    expect(secondChangeSet).not.toBe(firstChangeSet);

    const described = await aws(describeStacksCommand(commandContext));
    expect(described.code).toBe(0);
    const payload = JSON.parse(described.stdout.trim()) as Record<string, string>;
    const arns = Object.values(payload);
    expect(arns).toHaveLength(2);
    for (const arn of arns) expect(arn).toMatch(new RegExp(`^arn:aws:kms:${region}:123456789012:key/`));

    const aliases = await aws(`aws kms list-aliases --region ${region} --output json`);
    const aliasList = (JSON.parse(aliases.stdout) as { Aliases: Array<{ AliasName: string; TargetKeyId?: string }> }).Aliases;
    const tenantAliases = aliasList.filter((a) => a.AliasName.includes(tenantName));
    expect(tenantAliases).toHaveLength(2);
    const keyIds = arns.map((arn) => arn.split("/").pop());
    expect(tenantAliases.map((a) => a.TargetKeyId).sort()).toEqual([...keyIds].sort());

    for (const arn of arns) {
      const tags = await aws(`aws kms list-resource-tags --region ${region} --key-id ${arn} --output json`);
      const tagList = (JSON.parse(tags.stdout) as { Tags: Array<{ TagKey: string; TagValue: string }> }).Tags;
      expect(tagList.some((t) => t.TagValue === tenantName)).toBe(true);
    }

    // Same command again: nothing changed, and the CLI reports it the AWS way.
    const again = await aws(redeployWithTenantCommand({ ...commandContext, tenantName }));
    expect(again.stdout + again.stderr).toContain("No changes to deploy");

    const events = await aws(`aws cloudformation describe-stack-events --region ${region} --stack-name ${commandContext.stackName} --output json`);
    expect(events.stdout).toContain("UPDATE_COMPLETE");

    const deleted = await aws(`aws cloudformation delete-stack --region ${region} --stack-name ${commandContext.stackName}`);
    expect(deleted.code).toBe(0);
    const gone = await aws(`aws cloudformation describe-stacks --region ${region} --stack-name ${commandContext.stackName}`);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain("does not exist");

    // DeletionPolicy: Retain keeps both keys enabled; the aliases (no Retain) are removed.
    for (const arn of arns) {
      const key = await aws(`aws kms describe-key --region ${region} --key-id ${arn} --output json`);
      const meta = (JSON.parse(key.stdout) as { KeyMetadata: { KeyState: string } }).KeyMetadata;
      expect(meta.KeyState).toBe("Enabled");
    }
    const aliasesAfter = await aws(`aws kms list-aliases --region ${region} --output json`);
    expect(aliasesAfter.stdout).not.toContain(tenantName);
  });
});
