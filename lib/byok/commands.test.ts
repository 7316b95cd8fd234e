import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shellWords } from "./__testing__/shell";
import { checkKeyArn, formatKeyArn, parseOnboardingPayload } from "./arns";
import {
  cliEndpointUrlPattern,
  cliEndpointWords,
  deployCommand,
  keyCommands,
  describeStacksCommand,
  manualAliasCommands,
  ONBOARDING_PAYLOAD_QUERY,
  redeployWithTenantCommand,
  shellQuote,
  stackNameFor,
  type CommandContext,
} from "./commands";
import { EXAMPLE_COMMAND_CONTEXT, EXAMPLE_ENVIRONMENT } from "./example-environment";
import { InvalidByokValueError } from "./values";

const env = EXAMPLE_ENVIRONMENT;
const ctx = EXAMPLE_COMMAND_CONTEXT;
const aliasCtx = { ...ctx, tenantName: env.tenantName, s3KeyArn: env.s3KeyArn, rdsKeyArn: env.rdsKeyArn };

const QUERY_LITERAL = '"Stacks[0].Outputs[?OutputKey==\\`OnboardingPayload\\`].OutputValue"';

function expectedDeployArgv(input: CommandContext, tenantName?: string): string[] {
  return [
    "aws",
    "cloudformation",
    "deploy",
    ...(input.profile === null ? [] : ["--profile", input.profile ?? "byok"]),
    "--template-file",
    input.templateFile ?? "byok-kms-keys.yaml",
    "--stack-name",
    input.stackName,
    "--parameter-overrides",
    `PlatformRoleArn=${input.platformRoleArn}`,
    `PlatformAccountId=${input.platformAccountId}`,
    `PlatformRegion=${input.region}`,
    `EnvironmentId=${input.environmentId}`,
    `BucketNamePrefix=${input.bucketNamePrefix}`,
    ...(tenantName === undefined ? [] : [`TenantName=${tenantName}`]),
    "--region",
    input.region,
    ...(input.endpointUrl === undefined ? [] : ["--endpoint-url", input.endpointUrl]),
  ];
}

describe("commands: the words the shell passes to aws", () => {
  it("deploy: every parameter filled in, a --profile to adapt", () => {
    expect(shellWords(deployCommand(ctx))).toEqual(expectedDeployArgv(ctx));
  });

  it("redeploy adds TenantName", () => {
    expect(shellWords(redeployWithTenantCommand({ ...ctx, tenantName: env.tenantName }))).toEqual(expectedDeployArgv(ctx, env.tenantName));
  });

  it("describe-stacks prints only the onboarding payload, as text", () => {
    const command = describeStacksCommand(ctx);
    expect(command).toContain(`--query ${QUERY_LITERAL}`);
    expect(shellWords(command)).toEqual([
      "aws",
      "cloudformation",
      "describe-stacks",
      "--profile",
      "byok",
      "--region",
      env.region,
      "--stack-name",
      env.stackName,
      "--query",
      "Stacks[0].Outputs[?OutputKey==`OnboardingPayload`].OutputValue",
      "--output",
      "text",
    ]);
  });

  it("manual aliases and tags: create-alias for both keys, then tag-resource for both", () => {
    expect(manualAliasCommands(aliasCtx).map(shellWords)).toEqual([
      ["aws", "kms", "create-alias", "--profile", "byok", "--region", env.region, "--alias-name", `alias/stratus-objectstorage-byok-${env.tenantName}`, "--target-key-id", env.s3KeyArn],
      ["aws", "kms", "create-alias", "--profile", "byok", "--region", env.region, "--alias-name", `alias/stratus-database-byok-${env.tenantName}`, "--target-key-id", env.rdsKeyArn],
      ["aws", "kms", "tag-resource", "--profile", "byok", "--region", env.region, "--key-id", env.s3KeyArn, "--tags", `TagKey=stratus:automation:TenantName,TagValue=${env.tenantName}`],
      ["aws", "kms", "tag-resource", "--profile", "byok", "--region", env.region, "--key-id", env.rdsKeyArn, "--tags", `TagKey=stratus:automation:TenantName,TagValue=${env.tenantName}`],
    ]);
  });

  it("take another profile, or none, and another template path", () => {
    const custom = { ...ctx, profile: "prod-admin", templateFile: "./keys/byok-kms-keys.yaml" };
    expect(shellWords(deployCommand(custom))).toEqual(expectedDeployArgv(custom));
    expect(shellWords(describeStacksCommand({ ...ctx, profile: null }))).not.toContain("--profile");
  });

  it("suggest a stack name per environment", () => {
    expect(stackNameFor(env.bucketNamePrefix)).toBe(env.stackName);
    expect(() => stackNameFor("Stratus x")).toThrow(InvalidByokValueError);
  });

  it("against real AWS (no endpoint in the context) never carry --endpoint-url", () => {
    const key = keyCommands(env.s3KeyArn, env.region);
    const oneLiners = [key.describeState, key.describe, key.enable, key.cancelDeletion, key.enableRotation, key.getPolicy(), key.putPolicy(), key.cloudTrailLookup];
    for (const command of [deployCommand(ctx), describeStacksCommand(ctx), ...manualAliasCommands(aliasCtx), ...oneLiners]) expect(command).not.toContain("endpoint");
  });
});

describe("commands: the sandbox's --endpoint-url", () => {
  const SANDBOX = "http://127.0.0.1:4566";
  const sandboxCtx: CommandContext = { ...ctx, endpointUrl: SANDBOX };
  const sandboxAliasCtx = { ...aliasCtx, endpointUrl: SANDBOX };

  it("deploy and redeploy: right after --region, as their last option", () => {
    expect(shellWords(deployCommand(sandboxCtx))).toEqual(expectedDeployArgv(sandboxCtx));
    expect(shellWords(redeployWithTenantCommand({ ...sandboxCtx, tenantName: env.tenantName }))).toEqual(expectedDeployArgv(sandboxCtx, env.tenantName));
    expect(deployCommand(sandboxCtx)).toBe(`${deployCommand(ctx)} \\\n  --endpoint-url ${SANDBOX}`);
  });

  it("describe-stacks and the manual alias commands: right after --region", () => {
    expect(shellWords(describeStacksCommand(sandboxCtx)).slice(3, 9)).toEqual(["--profile", "byok", "--region", env.region, "--endpoint-url", SANDBOX]);
    for (const command of manualAliasCommands(sandboxAliasCtx)) {
      const words = shellWords(command);
      expect(words.slice(3, 9)).toEqual(["--profile", "byok", "--region", env.region, "--endpoint-url", SANDBOX]);
      expect(words.filter((word) => word !== "--endpoint-url" && word !== SANDBOX)).toEqual(shellWords(manualAliasCommands(aliasCtx)[manualAliasCommands(sandboxAliasCtx).indexOf(command)] ?? ""));
    }
  });

  it("the one-line key commands: after --region, before anything else (and before a redirection)", () => {
    const key = keyCommands(env.s3KeyArn, env.region, { endpointUrl: SANDBOX });
    expect(key.enable).toBe(`aws kms enable-key --key-id ${env.s3KeyArn} --region ${env.region} --endpoint-url ${SANDBOX}`);
    expect(key.getPolicy()).toBe(
      `aws kms get-key-policy --key-id ${env.s3KeyArn} --region ${env.region} --endpoint-url ${SANDBOX} --policy-name default --query Policy --output text > current-key-policy.json`,
    );
    expect(key.cloudTrailLookup).toBe(
      `aws cloudtrail lookup-events --region ${env.region} --endpoint-url ${SANDBOX} --lookup-attributes AttributeKey=ResourceName,AttributeValue=${env.s3KeyArn}`,
    );
    const againstAws = keyCommands(env.s3KeyArn, env.region);
    expect(key.describeState.replace(` --endpoint-url ${SANDBOX}`, "")).toBe(againstAws.describeState);
    expect(key.putPolicy("fixed.json").replace(` --endpoint-url ${SANDBOX}`, "")).toBe(againstAws.putPolicy("fixed.json"));
  });

  it("a sandbox golden file: what a demo runner pastes", async () => {
    const sections = [
      ["Create the keys (step 2)", deployCommand(sandboxCtx)],
      ["Print the onboarding payload", describeStacksCommand(sandboxCtx)],
      ["Add aliases and tags after provisioning (step 4), manually", manualAliasCommands(sandboxAliasCtx).join("\n\n")],
      ["Enable a key", keyCommands(env.s3KeyArn, env.region, { endpointUrl: SANDBOX }).enable],
    ];
    await expect(sections.map(([title, command]) => `# ${title}\n${command}\n`).join("\n")).toMatchFileSnapshot("./__golden__/commands-sandbox.sh");
  });

  it.each([
    ["http://127.0.0.1:4566", true],
    ["http://localhost:4566/", true],
    ["https://sandbox.internal.example:8443/aws", true],
    ["http://sandbox", true],
    ["ftp://127.0.0.1:4566", false],
    ["127.0.0.1:4566", false],
    ["http://127.0.0.1:4566;reboot", false],
    ["http://127.0.0.1:4566 --debug", false],
    ["http://$(id):4566", false],
    ["http://`id`", false],
    ["http://user:secret@127.0.0.1:4566", false],
    ["http://127.0.0.1:4566/?a=b&c=d", false],
    ["http://127.0.0.1:4566/#x", false],
    ["http://[::1]:4566", false],
    ["http://127.0.0.1:4566\n", false],
    ["http://127.0.0.1:4566/~user", false],
    ["http://-debug", false],
    ["", false],
  ])("endpoint %j accepted: %s", (url, accepted) => {
    expect(cliEndpointUrlPattern.test(url)).toBe(accepted);
    if (accepted) {
      expect(cliEndpointWords(url)).toEqual(["--endpoint-url", url]);
      expect(shellQuote(url)).toBe(url);
      expect(shellWords(deployCommand({ ...ctx, endpointUrl: url })).slice(-2)).toEqual(["--endpoint-url", url]);
    } else {
      expect(() => cliEndpointWords(url)).toThrow(InvalidByokValueError);
      expect(() => deployCommand({ ...ctx, endpointUrl: url })).toThrow(InvalidByokValueError);
      expect(() => keyCommands(env.s3KeyArn, env.region, { endpointUrl: url })).toThrow(InvalidByokValueError);
    }
  });

  it("no endpoint: no words", () => {
    expect(cliEndpointWords(undefined)).toEqual([]);
  });
});

describe("commands: refused values", () => {
  it.each<[string, Partial<CommandContext> & { tenantName?: string; s3KeyArn?: string; rdsKeyArn?: string }]>([
    ["a stack name with a space", { stackName: "my stack" }],
    ["a stack name with command substitution", { stackName: "keys$(reboot)" }],
    ["a stack name starting with a digit", { stackName: "1keys" }],
    ["a profile with a semicolon", { profile: "byok;reboot" }],
    ["a profile with a newline", { profile: "byok\n--debug" }],
    ["an empty profile", { profile: "" }],
    ["a template file that looks like an option", { templateFile: "--debug" }],
    ["a template file with a space", { templateFile: "my keys.yaml" }],
    ["a template file with a quote", { templateFile: "keys'.yaml" }],
    ["a region with a newline", { region: "eu-west-1\nrm -rf ~" }],
    ["a role ARN in another account", { platformRoleArn: "arn:aws:iam::444455556666:role/byok-platform" }],
    ["a role ARN with a quote", { platformRoleArn: "arn:aws:iam::210987654321:role/byok'platform" }],
    ["a bucket prefix with a wildcard", { bucketNamePrefix: "stratus-*" }],
    ["a resource prefix starting with aws", { resourcePrefix: "awsx" }],
    ["a tenant name in capitals", { tenantName: "Acme" }],
    ["a tenant name with a space", { tenantName: "acme corp" }],
    ["an alias ARN as the S3 key", { s3KeyArn: "arn:aws:kms:eu-west-1:123456789012:alias/x" }],
    ["an RDS key in another region", { rdsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/5d2f8c1a-3b4e-4f6a-9c7d-1e2f3a4b5c6d" }],
  ])("throw on %s", (_name, override) => {
    const input = { ...aliasCtx, ...override };
    const attempts = [() => deployCommand(input), () => redeployWithTenantCommand(input), () => describeStacksCommand(input), () => manualAliasCommands(input)];
    const failures = attempts.filter((attempt) => {
      try {
        attempt();
        return false;
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidByokValueError);
        return true;
      }
    });
    expect(failures.length).toBeGreaterThan(0);
  });

  it("shell-quotes a word only when it needs it", () => {
    expect(shellQuote("arn:aws:iam::210987654321:role/byok-platform")).toBe("arn:aws:iam::210987654321:role/byok-platform");
    expect(shellQuote("it's $(x)")).toBe("'it'\\''s $(x)'");
    expect(shellWords(shellQuote("it's $(x) `y` \"z\""))).toEqual(["it's $(x) `y` \"z\""]);
  });
});

// ---------------------------------------------------------------------------------------------
// Running the commands through a real POSIX shell, with `aws` replaced by a stub that prints
// the arguments it received.

let stubDirectory = "";
beforeAll(() => {
  stubDirectory = mkdtempSync(path.join(tmpdir(), "byok-aws-stub-"));
  const stub = path.join(stubDirectory, "aws");
  writeFileSync(stub, '#!/bin/sh\nprintf "%s\\0" aws "$@"\n');
  chmodSync(stub, 0o755);
});
afterAll(() => {
  rmSync(stubDirectory, { recursive: true, force: true });
});

function runInShell(command: string): string[] {
  const output = execFileSync("/bin/sh", ["-c", command], {
    env: { NODE_ENV: "test", PATH: `${stubDirectory}:/usr/bin:/bin` },
    encoding: "utf8",
  });
  return output.split("\0").slice(0, -1);
}

describe("commands in /bin/sh", () => {
  it("run as displayed and pass exactly the intended arguments", () => {
    const sandbox = { ...aliasCtx, endpointUrl: "http://127.0.0.1:4566" };
    const commands = [deployCommand(ctx), redeployWithTenantCommand(aliasCtx), describeStacksCommand(ctx), ...manualAliasCommands(aliasCtx)];
    const sandboxCommands = [deployCommand(sandbox), redeployWithTenantCommand(sandbox), describeStacksCommand(sandbox), ...manualAliasCommands(sandbox)];
    for (const command of [...commands, ...sandboxCommands]) expect(runInShell(command)).toEqual(shellWords(command));
    for (const command of sandboxCommands) expect(runInShell(command)).toContain("--endpoint-url");
  });
});

// ---------------------------------------------------------------------------------------------

const hostile = fc.oneof(
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.constantFrom("\n", "'", '"', "$(reboot)", "`id`", ";", "&&", "|", " ", "\\", "*", "~", "#", "-", "--debug", "!"),
);
const hexDigits = (length: number) => fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: length, maxLength: length });
const customerKeyArn = (region: string) =>
  fc
    .record({
      accountId: fc.stringMatching(/^[0-9]{12}$/).filter((account) => account !== "210987654321"),
      keyId: fc.oneof(fc.uuid(), hexDigits(32).map((digits) => `mrk-${digits}`)),
    })
    .map((key) => formatKeyArn({ partition: "aws", region, ...key }));

type AliasContext = CommandContext & { tenantName: string; s3KeyArn: string; rdsKeyArn: string };
const validContext: fc.Arbitrary<AliasContext> = fc
  .record({
    region: fc.constantFrom("eu-west-1", "us-east-1", "ap-southeast-2", "us-gov-west-1"),
    roleName: fc.stringMatching(/^[A-Za-z0-9+=,.@_-]{1,30}$/),
    environmentId: fc.uuid().map((id) => id.toLowerCase()),
    bucketNamePrefix: fc.stringMatching(/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/),
    stackName: fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,40}$/),
    templateFile: fc.option(fc.stringMatching(/^[A-Za-z0-9_.\/+@][A-Za-z0-9_.\/+@-]{0,30}$/), { nil: undefined }),
    profile: fc.option(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.+@-]{0,20}$/), { nil: undefined }),
    endpointUrl: fc.option(
      fc.record({ scheme: fc.constantFrom("http", "https"), host: fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,20}[a-z0-9]$/), port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }) }).map(
        ({ scheme, host, port }) => `${scheme}://${host}${port === undefined ? "" : `:${port}`}`,
      ),
      { nil: undefined },
    ),
    tenantName: fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?$/),
    resourcePrefix: fc.stringMatching(/^[b-z][a-z0-9]{1,14}$/),
  })
  .chain((base) =>
    fc.record({ s3KeyArn: customerKeyArn(base.region), rdsKeyArn: customerKeyArn(base.region) }).map((keys) => {
      const partition = base.region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
      return {
        partition,
        region: base.region,
        platformAccountId: "210987654321",
        platformRoleArn: `arn:${partition}:iam::210987654321:role/${base.roleName}`,
        environmentId: base.environmentId,
        bucketNamePrefix: base.bucketNamePrefix,
        stackName: base.stackName,
        resourcePrefix: base.resourcePrefix,
        tenantName: base.tenantName,
        ...(base.templateFile === undefined ? {} : { templateFile: base.templateFile }),
        ...(base.profile === undefined ? {} : { profile: base.profile }),
        ...(base.endpointUrl === undefined ? {} : { endpointUrl: base.endpointUrl }),
        s3KeyArn: keys.s3KeyArn.replace(/^arn:aws:/, `arn:${partition}:`),
        rdsKeyArn: keys.rdsKeyArn.replace(/^arn:aws:/, `arn:${partition}:`),
      };
    }),
  );
const fields = ["region", "platformRoleArn", "environmentId", "bucketNamePrefix", "stackName", "templateFile", "profile", "endpointUrl", "tenantName", "resourcePrefix", "s3KeyArn", "rdsKeyArn"] as const;
const tamperedContext = fc
  .tuple(validContext, fc.constantFrom(...fields), hostile, fc.constantFrom("replace", "append", "prepend"))
  .map(([base, field, value, how]): AliasContext => {
    const current = base[field] ?? "";
    return { ...base, [field]: how === "replace" ? value : how === "append" ? `${current}${value}` : `${value}${current}` };
  });

function renderAll(input: AliasContext): string[] {
  const key = keyCommands(input.s3KeyArn, input.region, input.endpointUrl === undefined ? {} : { endpointUrl: input.endpointUrl });
  return [deployCommand(input), redeployWithTenantCommand(input), describeStacksCommand(input), ...manualAliasCommands(input), key.enable, key.putPolicy()];
}

describe("commands: properties", () => {
  it("no accepted input can put a newline, quote or $( into a command, or change its words", () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(validContext, tamperedContext), (input) => {
        let commands: string[];
        try {
          commands = renderAll(input);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidByokValueError);
          return;
        }
        accepted += 1;
        for (const command of commands) {
          const withoutQuery = command.replace(` ${QUERY_LITERAL}`, " QUERY");
          expect(withoutQuery.replaceAll(" \\\n", " ")).not.toMatch(/[\n\r'"`\\]|\$\(/);
          expect(shellWords(command).every((word) => !/[\n\r]/.test(word))).toBe(true);
        }
        const [deploy, redeploy, describeStacks] = commands;
        expect(shellWords(deploy ?? "")).toEqual(expectedDeployArgv(input, input.tenantName));
        expect(shellWords(redeploy ?? "")).toEqual(expectedDeployArgv(input, input.tenantName));
        expect(shellWords(describeStacks ?? "")).toContain(input.stackName);
        for (const command of commands) {
          const words = shellWords(command);
          expect(words.includes("--endpoint-url")).toBe(input.endpointUrl !== undefined);
          if (input.endpointUrl !== undefined) expect(words[words.indexOf("--endpoint-url") + 1]).toBe(input.endpointUrl);
        }
        expect(checkKeyArn(input.s3KeyArn, { partition: input.partition, region: input.region, platformAccountId: input.platformAccountId }).ok).toBe(true);
      }),
      { numRuns: 500 },
    );
    expect(accepted).toBeGreaterThan(100);
  });

  it("the shell agrees, for a sample of accepted inputs", () => {
    fc.assert(
      fc.property(validContext, (input) => {
        for (const command of renderAll(input)) expect(runInShell(command)).toEqual(shellWords(command));
      }),
      { numRuns: 12 },
    );
  });

  it("the payload query is the JMESPath the describe-stacks command needs", () => {
    expect(ONBOARDING_PAYLOAD_QUERY).toBe("Stacks[0].Outputs[?OutputKey==`OnboardingPayload`].OutputValue");
    expect(parseOnboardingPayload(`{"S3KmsKeyArn":"${env.s3KeyArn}","RdsKmsKeyArn":"${env.rdsKeyArn}"}\n`)).toEqual({
      ok: true,
      s3KeyArn: env.s3KeyArn,
      rdsKeyArn: env.rdsKeyArn,
    });
  });
});
