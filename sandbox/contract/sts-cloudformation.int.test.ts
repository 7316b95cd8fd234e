/**
 * STS and CloudFormation answers against their SDK models: the portal's GetCallerIdentity and
 * AssumeRole, and what `aws cloudformation deploy` and `describe-stacks` (the commands the
 * portal shows) call: DescribeStacks, CreateChangeSet, DescribeChangeSet, ExecuteChangeSet.
 */
import { CreateChangeSetCommand, DescribeChangeSetCommand, DescribeStacksCommand, ExecuteChangeSetCommand } from "@aws-sdk/client-cloudformation";
import { AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, beforeEach, expect, test } from "vitest";
import { EXAMPLE_TEMPLATE_DEFAULTS } from "@/lib/byok/example-environment";
import { renderKeysTemplate } from "@/lib/byok/template";
import { ENVIRONMENT_TAG_KEY, PLATFORM_ROLE_ARN } from "../identities";
import type { RunningSandbox } from "../server";
import { awsError, startTestSandbox } from "../test-support";
import { expectContract } from "./models";
import { type RecordingClients, recordingClients } from "./recording";

let sandbox: RunningSandbox;
let customer: RecordingClients;
let platform: RecordingClients;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  customer = recordingClients(sandbox.url, "customer", "eu-west-1");
  platform = recordingClients(sandbox.url, "platform", "eu-west-1");
});
afterAll(async () => sandbox.close());
beforeEach(() => sandbox.reset());

test("GetCallerIdentity", async () => {
  await expectContract(customer.handler, "sts", "GetCallerIdentity", () => customer.sts.send(new GetCallerIdentityCommand({})));
});

test("AssumeRole with session tags", async () => {
  await expectContract(platform.handler, "sts", "AssumeRole", () =>
    platform.sts.send(new AssumeRoleCommand({ RoleArn: PLATFORM_ROLE_ARN, RoleSessionName: "byok-env-1", Tags: [{ Key: ENVIRONMENT_TAG_KEY, Value: "env-1" }] })),
  );
});

test("aws cloudformation deploy, then describe-stacks", async () => {
  const cfn = <T>(operation: string, call: () => Promise<T>) => expectContract(customer.handler, "cloudformation", operation, call);
  // deploy first asks whether the stack exists: a ValidationError for a new one.
  expect((await awsError(() => customer.cloudformation.send(new DescribeStacksCommand({ StackName: "byok-keys" })))).name).toBe("ValidationError");
  const changeSet = await cfn("CreateChangeSet", () =>
    customer.cloudformation.send(new CreateChangeSetCommand({ StackName: "byok-keys", ChangeSetName: "awscli-deploy-1", ChangeSetType: "CREATE", TemplateBody: renderKeysTemplate(EXAMPLE_TEMPLATE_DEFAULTS), Capabilities: ["CAPABILITY_IAM"] })),
  );
  for (let i = 0; i < 50; i += 1) {
    const described = await cfn("DescribeChangeSet", () => customer.cloudformation.send(new DescribeChangeSetCommand({ ChangeSetName: changeSet.Id ?? "" })));
    if (described.Status === "CREATE_COMPLETE") break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await cfn("ExecuteChangeSet", () => customer.cloudformation.send(new ExecuteChangeSetCommand({ ChangeSetName: changeSet.Id ?? "" })));
  await cfn("DescribeStacks", () => customer.cloudformation.send(new DescribeStacksCommand({ StackName: "byok-keys" })));
});
