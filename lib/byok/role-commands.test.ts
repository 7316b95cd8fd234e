import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shellWords } from "./__testing__/shell";
import {
  ASSUME_ROLE_REFUSAL_NOTE,
  assumeRoleRefusalCheck,
  deployRoleCreatingKeyCommand,
  deployRoleWithExistingKeyCommand,
  describeRoleStackCommand,
  ROLE_ONBOARDING_PAYLOAD_QUERY,
  roleStackNameFor,
  roleValidationCommands,
  type RoleCommandContext,
} from "./role-commands";
import { roleNameFor } from "./role-template";
import { InvalidByokValueError } from "./values";

const REGION = "eu-west-1";
const ctx: RoleCommandContext = {
  partition: "aws",
  platformAccountId: "210987654321",
  platformRoleArn: "arn:aws:iam::210987654321:role/byok-platform",
  externalId: "byok-Q2hvb3NlLWEtcmFuZG9tLWlk",
  tenant: "acme-7k2q",
  region: REGION,
};
const KEY_ARN = `arn:aws:kms:${REGION}:123456789012:key/5d2f8c1a-3b4e-4f6a-9c7d-1e2f3a4b5c6d`;
const ROLE_ARN = `arn:aws:iam::123456789012:role/${roleNameFor(ctx.tenant)}`;
const payloadCtx = { ...ctx, roleArn: ROLE_ARN, keyArn: KEY_ARN };

function expectedDeployArgv(input: RoleCommandContext, keyArn: string): string[] {
  return [
    "aws",
    "cloudformation",
    "deploy",
    ...(input.profile === null ? [] : ["--profile", input.profile ?? "byok"]),
    "--template-file",
    input.templateFile ?? "byok-role.yaml",
    "--stack-name",
    input.stackName ?? `byok-role-${input.tenant}`,
    "--capabilities",
    "CAPABILITY_NAMED_IAM",
    "--parameter-overrides",
    `ExistingKeyArn=${keyArn}`,
    "--region",
    input.region,
  ];
}

describe("role commands: the words the shell passes to aws", () => {
  it("deploy creating the key: NAMED_IAM, and an explicitly empty ExistingKeyArn", () => {
    expect(shellWords(deployRoleCreatingKeyCommand(ctx))).toEqual(expectedDeployArgv(ctx, ""));
  });

  it("deploy with an existing key passes its ARN", () => {
    expect(shellWords(deployRoleWithExistingKeyCommand({ ...ctx, keyArn: KEY_ARN }))).toEqual(expectedDeployArgv(ctx, KEY_ARN));
  });

  it("describe-stacks prints only the onboarding payload, as text", () => {
    const command = describeRoleStackCommand(ctx);
    expect(command).toContain('--query "Stacks[0].Outputs[?OutputKey==\\`OnboardingPayload\\`].OutputValue"');
    expect(shellWords(command)).toEqual([
      ...["aws", "cloudformation", "describe-stacks", "--profile", "byok", "--region", REGION, "--stack-name", "byok-role-acme-7k2q"],
      ...["--query", ROLE_ONBOARDING_PAYLOAD_QUERY, "--output", "text"],
    ]);
    expect(ROLE_ONBOARDING_PAYLOAD_QUERY).toBe("Stacks[0].Outputs[?OutputKey==`OnboardingPayload`].OutputValue");
  });

  it("validation: the trust policy, the permissions policy and the key, by the payload's ARNs", () => {
    const commands = roleValidationCommands(payloadCtx);
    expect(shellWords(commands.getRole)).toEqual([
      ...["aws", "iam", "get-role", "--profile", "byok", "--role-name", "byok-access-acme-7k2q"],
      ...["--query", "Role.AssumeRolePolicyDocument", "--output", "json"],
    ]);
    expect(shellWords(commands.getRolePolicy)).toEqual([
      ...["aws", "iam", "get-role-policy", "--profile", "byok", "--role-name", "byok-access-acme-7k2q", "--policy-name", "byok-key-use"],
      ...["--query", "PolicyDocument", "--output", "json"],
    ]);
    expect(shellWords(commands.describeKey)).toEqual(["aws", "kms", "describe-key", "--profile", "byok", "--key-id", KEY_ARN, "--region", REGION]);
  });

  it("validation of a role with a path: IAM commands take the name alone", () => {
    const commands = roleValidationCommands({ ...payloadCtx, roleArn: "arn:aws:iam::123456789012:role/byok/tenants/my-role" });
    expect(shellWords(commands.getRole)).toContain("my-role");
  });

  it("the seed's assume-role, with the External ID, offered as a check that must be refused", () => {
    expect(shellWords(assumeRoleRefusalCheck(payloadCtx))).toEqual([
      ...["aws", "sts", "assume-role", "--profile", "byok", "--role-arn", ROLE_ARN],
      ...["--role-session-name", "byok-validate", "--external-id", ctx.externalId],
    ]);
    expect(ASSUME_ROLE_REFUSAL_NOTE).toContain("AccessDenied");
  });

  it("take another profile, or none, another stack name and another template path", () => {
    const custom = { ...ctx, profile: "prod-admin", templateFile: "./byok/byok-role.yaml", stackName: "AcmeByokRole" };
    expect(shellWords(deployRoleCreatingKeyCommand(custom))).toEqual(expectedDeployArgv(custom, ""));
    const none = { ...payloadCtx, profile: null };
    const all = [deployRoleCreatingKeyCommand(none), describeRoleStackCommand(none), assumeRoleRefusalCheck(none), ...Object.values(roleValidationCommands(none))];
    for (const command of all) expect(shellWords(command)).not.toContain("--profile");
  });

  it("suggest a stack name per organization", () => {
    expect(roleStackNameFor("acme-7k2q")).toBe("byok-role-acme-7k2q");
    expect(roleStackNameFor("7up")).toBe("byok-role-7up");
  });

  it("with an endpoint URL (the sandbox), carry --endpoint-url after --region, or last where there is no Region", () => {
    const url = "http://127.0.0.1:4566";
    const sandboxCtx = { ...payloadCtx, endpointUrl: url };
    expect(shellWords(deployRoleCreatingKeyCommand(sandboxCtx))).toEqual([...expectedDeployArgv(ctx, ""), "--endpoint-url", url]);
    const describeWords = shellWords(describeRoleStackCommand(sandboxCtx));
    expect(describeWords.slice(5, 9)).toEqual(["--region", REGION, "--endpoint-url", url]);
    const validation = roleValidationCommands(sandboxCtx);
    expect(shellWords(validation.describeKey).slice(-4)).toEqual(["--region", REGION, "--endpoint-url", url]);
    for (const command of [validation.getRole, validation.getRolePolicy, assumeRoleRefusalCheck(sandboxCtx)]) {
      expect(shellWords(command).slice(-2)).toEqual(["--endpoint-url", url]);
    }
    expect(() => deployRoleCreatingKeyCommand({ ...ctx, endpointUrl: "http://127.0.0.1:4566;reboot" })).toThrow(InvalidByokValueError);
  });

  it("without an endpoint URL, never carry --endpoint-url (customers of AWS itself never need it)", () => {
    const all = [deployRoleCreatingKeyCommand(ctx), describeRoleStackCommand(ctx), assumeRoleRefusalCheck(payloadCtx), ...Object.values(roleValidationCommands(payloadCtx))];
    for (const command of all) expect(command).not.toContain("endpoint");
  });

  it("match the golden file", async () => {
    const validation = roleValidationCommands(payloadCtx);
    const sections = [
      ["Create the role and a new key", deployRoleCreatingKeyCommand(ctx)],
      ["Or: create the role for an existing key", deployRoleWithExistingKeyCommand({ ...ctx, keyArn: KEY_ARN })],
      ["Print the onboarding payload", describeRoleStackCommand(ctx)],
      ["Optional: the role's trust policy", validation.getRole],
      ["Optional: the role's permissions policy", validation.getRolePolicy],
      ["Optional: the key", validation.describeKey],
      ["Optional: must be refused with AccessDenied (only the platform may assume the role)", assumeRoleRefusalCheck(payloadCtx)],
    ];
    const text = sections.map(([title, command]) => `# ${title}\n${command}\n`).join("\n");
    await expect(text).toMatchFileSnapshot("./__golden__/role-commands.sh");
  });
});

describe("role commands: refused values", () => {
  it.each<[string, Partial<typeof payloadCtx> & { profile?: string | null }]>([
    ["a stack name with a space", { stackName: "my stack" }],
    ["a stack name with command substitution", { stackName: "role$(reboot)" }],
    ["a profile with a semicolon", { profile: "byok;reboot" }],
    ["an empty profile", { profile: "" }],
    ["a template file that looks like an option", { templateFile: "--debug" }],
    ["a template file with a quote", { templateFile: "role'.yaml" }],
    ["a region with a newline", { region: "eu-west-1\nrm -rf ~" }],
    ["a platform role in another account", { platformRoleArn: "arn:aws:iam::444455556666:role/byok-platform" }],
    ["an External ID the portal did not issue", { externalId: "byok-short" }],
    ["an External ID with a quote", { externalId: "byok-AbCdEfGhIjKlMnOpQrStUv'x" }],
    ["a tenant in capitals", { tenant: "Acme" }],
    ["a tenant with a space", { tenant: "acme corp" }],
    ["an alias ARN as the key", { keyArn: "arn:aws:kms:eu-west-1:123456789012:alias/data" }],
    ["a key in another Region", { keyArn: "arn:aws:kms:us-east-1:123456789012:key/5d2f8c1a-3b4e-4f6a-9c7d-1e2f3a4b5c6d" }],
    ["a key of the platform's account", { keyArn: "arn:aws:kms:eu-west-1:210987654321:key/5d2f8c1a-3b4e-4f6a-9c7d-1e2f3a4b5c6d" }],
    ["a user ARN as the role", { roleArn: "arn:aws:iam::123456789012:user/alice" }],
    ["a role ARN with a command", { roleArn: "arn:aws:iam::123456789012:role/x;reboot" }],
  ])("throw on %s", (_name, override) => {
    const input = { ...payloadCtx, ...override };
    const attempts = [
      () => deployRoleCreatingKeyCommand(input),
      () => deployRoleWithExistingKeyCommand(input),
      () => describeRoleStackCommand(input),
      () => roleValidationCommands(input),
      () => assumeRoleRefusalCheck(input),
    ];
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
});

// ---------------------------------------------------------------------------------------------
// Through a real POSIX shell, with `aws` replaced by a stub that prints the arguments it received.

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
  const output = execFileSync("/bin/sh", ["-c", command], { env: { NODE_ENV: "test", PATH: `${stubDirectory}:/usr/bin:/bin` }, encoding: "utf8" });
  return output.split("\0").slice(0, -1);
}

const allCommands = (input: typeof payloadCtx) => [
  deployRoleCreatingKeyCommand(input),
  deployRoleWithExistingKeyCommand(input),
  describeRoleStackCommand(input),
  assumeRoleRefusalCheck(input),
  ...Object.values(roleValidationCommands(input)),
];

describe("role commands in /bin/sh", () => {
  it("run as displayed and pass exactly the intended arguments", () => {
    for (const command of allCommands(payloadCtx)) expect(runInShell(command)).toEqual(shellWords(command));
  });

  const hostile = fc.oneof(
    fc.string({ unit: "binary", maxLength: 30 }),
    fc.constantFrom("\n", "'", '"', "$(reboot)", "`id`", ";", "&&", "|", " ", "\\", "*", "~", "#", "-", "--debug", "!"),
  );
  const OPTIONS = [
    ...["--profile", "--template-file", "--stack-name", "--capabilities", "--parameter-overrides", "--region", "--query", "--output"],
    ...["--role-name", "--policy-name", "--key-id", "--role-arn", "--role-session-name", "--external-id", "--endpoint-url"],
  ];
  const fields = ["region", "platformRoleArn", "externalId", "tenant", "stackName", "templateFile", "profile", "roleArn", "keyArn", "endpointUrl"] as const;

  it("every accepted input stays plain words (no expansion, no stray option); every other is refused", () => {
    fc.assert(
      fc.property(fc.constantFrom(...fields), hostile, fc.boolean(), (field, value, append) => {
        const base: typeof payloadCtx & { stackName: string; templateFile: string; profile: string; endpointUrl: string } = {
          ...payloadCtx,
          endpointUrl: "http://127.0.0.1:4566",
          stackName: "byok-role-acme-7k2q",
          templateFile: "byok-role.yaml",
          profile: "byok",
        };
        const input = { ...base, [field]: append ? `${base[field]}${value}` : value };
        let commands: string[];
        try {
          commands = allCommands(input);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidByokValueError);
          return;
        }
        for (const command of commands) {
          // shellWords refuses any unquoted expansion, substitution, separator or glob.
          const words = shellWords(command);
          expect(words[0]).toBe("aws");
          for (const word of words) {
            if (word === ROLE_ONBOARDING_PAYLOAD_QUERY) continue;
            expect(word).not.toMatch(/[\s'"`$\\;|&]/);
            if (word.startsWith("-")) expect(OPTIONS).toContain(word);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
