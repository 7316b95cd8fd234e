/**
 * "Deploy in the sandbox" through the pipeline (runUseCase), against a real PostgreSQL and an
 * in-process sandbox: the stack is created as the sandbox's customer, its events and payload
 * come back, the payload passes the key-ARN step's live checks, and everything is scoped to the
 * caller's organization. The sandbox is this file's own, so the last test can stop it.
 */
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { asCustomer } from "@/lib/auth/access";
import { callerForUser, type CustomerCaller } from "@/lib/auth/caller";
import { db } from "@/lib/db";
import { acknowledgeKeyInstructions, chooseEncryption, createEnvironmentDraft, provideKeyArns } from "@/lib/environments/draft";
import { byokMaterial } from "@/lib/environments/byok-material";
import { AppError, publicError } from "@/lib/errors";
import { runUseCase } from "@/lib/pipeline/use-case";
import { CUSTOMER_ACCOUNT_ID, seedOrganization, startHarness, type Harness } from "@/lib/provisioning/__testing__/harness";
import { startSandbox, type RunningSandbox } from "@/sandbox/server";
import type { SandboxDeployProgress } from "./deploy-keys";
import { deployKeysInSandboxUseCase, sandboxKeyStackProgressUseCase } from "./use-cases";

const REGION = "eu-west-1";
let sandbox: RunningSandbox;
let harness: Harness;
let acme: CustomerCaller;
let globex: CustomerCaller;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, rdsCreateDelayMs: 100 });
  harness = await startHarness(inject("databaseAdminUrl"), { sandboxUrl: sandbox.url });
  acme = asCustomer(await callerForUser((await seedOrganization("acme")).userId, { ipAddress: "203.0.113.7" }));
  globex = asCustomer(await callerForUser((await seedOrganization("globex")).userId));
});

afterAll(async () => {
  await harness?.close();
  await sandbox?.close().catch(() => undefined);
});

async function keysDraft(caller: CustomerCaller, encryptionMode: "CUSTOMER_MANAGED" | "VENDOR_MANAGED" = "CUSTOMER_MANAGED"): Promise<string> {
  const draft = await createEnvironmentDraft(caller, { name: "Sandbox demo", region: REGION });
  await chooseEncryption(caller, { environmentId: draft.id, encryptionMode });
  return draft.id;
}

const deploy = (caller: CustomerCaller, environmentId: unknown) => runUseCase(deployKeysInSandboxUseCase, { caller, ipAddress: caller.ipAddress }, { environmentId }).then((r) => r.output);
const progress = (caller: CustomerCaller, environmentId: unknown) => runUseCase(sandboxKeyStackProgressUseCase, { caller, ipAddress: null }, { environmentId }).then((r) => r.output);

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

function customerCloudFormation(): CloudFormationClient {
  return new CloudFormationClient({ region: REGION, endpoint: sandbox.url, credentials: { accessKeyId: "customer", secretAccessKey: "customer" }, maxAttempts: 1 });
}

function expectKeysStack(result: SandboxDeployProgress) {
  expect(result.phase).toBe("complete");
  expect(result.stackStatus).toBe("CREATE_COMPLETE");
  expect(result.problem).toBeNull();
  const stackEvents = result.events.filter((event) => event.resourceType === "AWS::CloudFormation::Stack").map((event) => event.status);
  expect(stackEvents[0]).toBe("CREATE_IN_PROGRESS");
  expect(stackEvents.at(-1)).toBe("CREATE_COMPLETE");
  expect(result.events.filter((event) => event.resourceType === "AWS::KMS::Key" && event.status === "CREATE_COMPLETE")).toHaveLength(2);
  expect([...result.events].sort((a, b) => a.at.localeCompare(b.at)).map((event) => event.id)).toEqual(result.events.map((event) => event.id));
  expect(result.payload?.s3KeyArn).toMatch(new RegExp(`^arn:aws:kms:${REGION}:${CUSTOMER_ACCOUNT_ID}:key/`));
  expect(result.payload?.rdsKeyArn).toMatch(new RegExp(`^arn:aws:kms:${REGION}:${CUSTOMER_ACCOUNT_ID}:key/`));
  expect(result.payload?.text).toContain(result.payload?.s3KeyArn);
}

describe("deploy in the sandbox", () => {
  test("creates the draft's stack as the customer; the payload passes the key-ARN step's live checks", async () => {
    const environmentId = await keysDraft(acme);
    await acknowledgeKeyInstructions(acme, { environmentId });
    expect((await progress(acme, environmentId)).phase).toBe("none");

    const deployed = await deploy(acme, environmentId);
    expectKeysStack(deployed);
    expect(deployed.created).toBe(true);
    expect(deployed.stackName).toBe(byokMaterial({ id: environmentId, region: REGION }).stackName);

    // The stack is the customer's, in their account, made from the environment's parameters.
    const stack = (await customerCloudFormation().send(new DescribeStacksCommand({ StackName: deployed.stackName }))).Stacks?.[0];
    expect(stack?.StackId).toContain(`:${CUSTOMER_ACCOUNT_ID}:stack/${deployed.stackName}/`);
    expect(stack?.Parameters).toContainEqual({ ParameterKey: "EnvironmentId", ParameterValue: environmentId });

    const audit = await db().auditEvent.findFirst({ where: { environmentId, action: "environment.sandbox_keys.deployed" } });
    expect(audit).toMatchObject({ organizationId: acme.organizationId, actorUserId: acme.userId, ipAddress: "203.0.113.7" });
    expect(audit?.details).toMatchObject({ stackName: deployed.stackName, created: true, stackStatus: "CREATE_COMPLETE" });

    // "Use these keys": the key-ARN step's own service accepts them (the policies are this environment's).
    const payload = deployed.payload;
    if (!payload) throw new Error("no payload");
    const accepted = await provideKeyArns(acme, { environmentId, s3KeyArn: payload.s3KeyArn, rdsKeyArn: payload.rdsKeyArn });
    expect(accepted).toMatchObject({ s3KeyArn: payload.s3KeyArn, rdsKeyArn: payload.rdsKeyArn, wizardStep: "key-arns" });

    // Pressed again (or deployed from the displayed command before): the stack is picked up, not made twice.
    const again = await deploy(acme, environmentId);
    expect(again.created).toBe(false);
    expect(again.payload).toEqual(payload);
    expect(again.events).toEqual(deployed.events);
    expect(await progress(acme, environmentId)).toEqual({ stackName: again.stackName, phase: again.phase, stackStatus: again.stackStatus, events: again.events, payload: again.payload, problem: null });
  });

  test("a stack of that name that failed is reported with its cause, then deleted and created anew", async () => {
    const environmentId = await keysDraft(acme);
    const { stackName } = byokMaterial({ id: environmentId, region: REGION });
    const broken = JSON.stringify({
      AWSTemplateFormatVersion: "2010-09-09",
      Resources: { Key: { Type: "AWS::KMS::Key", Properties: {} }, Alias: { Type: "AWS::KMS::Alias", Properties: { AliasName: "alias/aws/reserved", TargetKeyId: { Ref: "Key" } } } },
    });
    await customerCloudFormation().send(new CreateStackCommand({ StackName: stackName, TemplateBody: broken }));

    const failed = await progress(acme, environmentId);
    expect(failed.phase).toBe("failed");
    expect(failed.stackStatus).toBe("ROLLBACK_COMPLETE");
    expect(failed.payload).toBeNull();
    expect(failed.problem).toContain(`The stack ${stackName} ended in ROLLBACK_COMPLETE: Alias (AWS::KMS::Alias): `);
    expect(failed.problem).toContain("alias/aws/");

    const deployed = await deploy(acme, environmentId);
    expectKeysStack(deployed);
    expect(deployed.created).toBe(true);
    expect(deployed.events.some((event) => event.logicalId === "Alias")).toBe(false);
  });

  test("only the caller's own customer-managed drafts", async () => {
    const environmentId = await keysDraft(acme);
    for (const attempt of [() => deploy(globex, environmentId), () => progress(globex, environmentId), () => deploy(acme, "not-a-uuid"), () => deploy(acme, "3f1e6a0c-2b7d-4c1e-9a4b-0f6c2d9e8a71")]) {
      expect((await refusal(attempt())).code).toBe("NOT_FOUND");
    }
    expect((await progress(acme, environmentId)).phase).toBe("none");

    const vendorManaged = await keysDraft(acme, "VENDOR_MANAGED");
    const refused = await refusal(deploy(acme, vendorManaged));
    expect(refused.code).toBe("NOT_FOUND");
    expect(refused.userMessage).toContain("vendor-managed keys");

    await db().environment.update({ where: { id: environmentId }, data: { status: "PROVISIONING" } });
    const submitted = await refusal(deploy(acme, environmentId));
    expect(submitted.code).toBe("CONFLICT");
    expect(submitted.userMessage).toContain("already been submitted");
  });

  test("hostile input is a 4xx with a message, never a 500", async () => {
    const hostile: unknown[] = ["\u0000", "x".repeat(100_000), "' OR 1=1; --", 42, null, undefined, ["a"], { a: 1 }, JSON.parse('{"__proto__": {"polluted": "yes"}}') as unknown];
    const runs: [string, (rawInput: unknown) => Promise<unknown>][] = [
      [deployKeysInSandboxUseCase.name, (rawInput) => runUseCase(deployKeysInSandboxUseCase, { caller: acme, ipAddress: null }, rawInput)],
      [sandboxKeyStackProgressUseCase.name, (rawInput) => runUseCase(sandboxKeyStackProgressUseCase, { caller: acme, ipAddress: null }, rawInput)],
    ];
    for (const [name, run] of runs) {
      for (const value of hostile) {
        for (const rawInput of [value, { environmentId: value }]) {
          const status = await run(rawInput).then(
            () => 200,
            (error: unknown) => publicError(error).status,
          );
          expect(status, `${name} ${JSON.stringify(rawInput)?.slice(0, 40)}`).toBeGreaterThanOrEqual(400);
          expect(status).toBeLessThan(500);
        }
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  // Last: it stops the sandbox.
  test("the sandbox being down is said in so many words", async () => {
    const environmentId = await keysDraft(acme);
    await sandbox.close();
    for (const attempt of [() => deploy(acme, environmentId), () => progress(acme, environmentId)]) {
      const refused = await refusal(attempt());
      const shown = publicError(refused);
      expect(shown.message).toBe(`The AWS sandbox at ${harness.sandboxUrl} did not answer. Start it (npm run sandbox, or npm run dev), then try again.`);
    }
  });
});
