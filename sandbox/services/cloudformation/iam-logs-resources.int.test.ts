/** CloudFormation's AWS::IAM::Role, AWS::IAM::Policy and AWS::Logs::LogGroup: create, update, delete, roll back. */
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { CreateStackCommand, DeleteStackCommand, DescribeStackEventsCommand, DescribeStacksCommand, UpdateStackCommand, ValidateTemplateCommand } from "@aws-sdk/client-cloudformation";
import { GetRoleCommand, GetRolePolicyCommand, IAMClient, ListRolePoliciesCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { CUSTOMER_ACCOUNT_ID, PLATFORM_ROLE_ARN } from "../../identities";
import type { RunningSandbox } from "../../server";
import { type ClientSet, awsError, clientsFor, platformSession, startTestSandbox } from "../../test-support";

const REGION = "eu-west-1";

let sandbox: RunningSandbox;
let customer: ClientSet;
let iam: IAMClient;
let logs: CloudWatchLogsClient;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  customer = clientsFor(sandbox.url, "customer", REGION);
  const credentials = { accessKeyId: "customer", secretAccessKey: "customer" };
  iam = new IAMClient({ region: "us-east-1", endpoint: sandbox.url, credentials, maxAttempts: 1 });
  logs = new CloudWatchLogsClient({ region: REGION, endpoint: sandbox.url, credentials, maxAttempts: 1 });
});
afterAll(async () => sandbox.close());
beforeEach(() => sandbox.reset());

function template(options: { roleName?: string; retentionInDays: number }): string {
  return JSON.stringify({
    AWSTemplateFormatVersion: "2010-09-09",
    Parameters: { ExternalId: { Type: "String" } },
    Resources: {
      PlatformRole: {
        Type: "AWS::IAM::Role",
        Properties: {
          ...(options.roleName === undefined ? {} : { RoleName: options.roleName }),
          AssumeRolePolicyDocument: {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { AWS: PLATFORM_ROLE_ARN }, Action: "sts:AssumeRole", Condition: { StringEquals: { "sts:ExternalId": { Ref: "ExternalId" } } } }],
          },
          Policies: [{ PolicyName: "describe-keys", PolicyDocument: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:DescribeKey", Resource: "*" }] } }],
        },
      },
      ForwardLogs: {
        Type: "AWS::IAM::Policy",
        Properties: {
          PolicyName: "forward-logs",
          Roles: [{ Ref: "PlatformRole" }],
          PolicyDocument: {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: { "Fn::GetAtt": ["KeyUseLogs", "Arn"] } }],
          },
        },
      },
      KeyUseLogs: { Type: "AWS::Logs::LogGroup", Properties: { RetentionInDays: options.retentionInDays } },
    },
    Outputs: {
      RoleArn: { Value: { "Fn::GetAtt": ["PlatformRole", "Arn"] } },
      RoleId: { Value: { "Fn::GetAtt": ["PlatformRole", "RoleId"] } },
      RoleName: { Value: { Ref: "PlatformRole" } },
      LogGroupName: { Value: { Ref: "KeyUseLogs" } },
      LogGroupArn: { Value: { "Fn::GetAtt": ["KeyUseLogs", "Arn"] } },
    },
  });
}

async function outputs(stackName: string): Promise<Record<string, string>> {
  const stack = (await customer.cloudformation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  return Object.fromEntries((stack?.Outputs ?? []).map((o) => [o.OutputKey ?? "", o.OutputValue ?? ""]));
}

async function status(stackName: string): Promise<string | undefined> {
  return (await customer.cloudformation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0]?.StackStatus;
}

describe("IAM and Logs resources", () => {
  test("a stack with a role, a policy and a log group: created, usable, updated in place, deleted", async () => {
    const parameters = [{ ParameterKey: "ExternalId", ParameterValue: "ext-1" }];
    const named = template({ roleName: "byok-stack-role", retentionInDays: 30 });
    const missing = await awsError(() => customer.cloudformation.send(new CreateStackCommand({ StackName: "byok-role", TemplateBody: named, Parameters: parameters, Capabilities: ["CAPABILITY_IAM"] })));
    expect(missing).toMatchObject({ name: "InsufficientCapabilitiesException", message: "Requires capabilities : [CAPABILITY_NAMED_IAM]" });

    await customer.cloudformation.send(new CreateStackCommand({ StackName: "byok-role", TemplateBody: named, Parameters: parameters, Capabilities: ["CAPABILITY_NAMED_IAM"] }));
    expect(await status("byok-role")).toBe("CREATE_COMPLETE");
    const out = await outputs("byok-role");
    expect(out.RoleArn).toBe(`arn:aws:iam::${CUSTOMER_ACCOUNT_ID}:role/byok-stack-role`);
    expect(out.RoleName).toBe("byok-stack-role");
    expect(out.RoleId).toMatch(/^AROA/);
    expect(out.LogGroupName).toMatch(/^byok-role-KeyUseLogs-[A-Z0-9]{12}$/);
    expect(out.LogGroupArn).toBe(`arn:aws:logs:${REGION}:${CUSTOMER_ACCOUNT_ID}:log-group:${out.LogGroupName}:*`);
    expect((await iam.send(new ListRolePoliciesCommand({ RoleName: "byok-stack-role" }))).PolicyNames).toEqual(["describe-keys", "forward-logs"]);
    const forward = await iam.send(new GetRolePolicyCommand({ RoleName: "byok-stack-role", PolicyName: "forward-logs" }));
    expect(decodeURIComponent(forward.PolicyDocument ?? "")).toContain(out.LogGroupArn ?? "");
    const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: out.LogGroupName }));
    expect(groups.logGroups?.[0]?.retentionInDays).toBe(30);

    const platform = await platformSession(sandbox.url, "0f3c6b2e-8d1a-4c5e-9b7f-2a6d8e4c1f90", REGION);
    await platform.sts.send(new AssumeRoleCommand({ RoleArn: out.RoleArn, RoleSessionName: "byok", ExternalId: "ext-1" }));

    // A new External ID and retention: the role's trust policy and the group change in place.
    await customer.cloudformation.send(
      new UpdateStackCommand({ StackName: "byok-role", TemplateBody: template({ roleName: "byok-stack-role", retentionInDays: 90 }), Parameters: [{ ParameterKey: "ExternalId", ParameterValue: "ext-2" }], Capabilities: ["CAPABILITY_NAMED_IAM"] }),
    );
    expect(await status("byok-role")).toBe("UPDATE_COMPLETE");
    expect((await outputs("byok-role")).RoleId).toBe(out.RoleId);
    expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: out.LogGroupName }))).logGroups?.[0]?.retentionInDays).toBe(90);
    expect((await awsError(() => platform.sts.send(new AssumeRoleCommand({ RoleArn: out.RoleArn, RoleSessionName: "byok", ExternalId: "ext-1" })))).name).toBe("AccessDenied");
    await platform.sts.send(new AssumeRoleCommand({ RoleArn: out.RoleArn, RoleSessionName: "byok", ExternalId: "ext-2" }));

    await customer.cloudformation.send(new DeleteStackCommand({ StackName: "byok-role" }));
    expect((await awsError(() => iam.send(new GetRoleCommand({ RoleName: "byok-stack-role" })))).name).toBe("NoSuchEntityException");
    expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: out.LogGroupName }))).logGroups).toEqual([]);
  });

  test("without RoleName the role gets a generated name and CAPABILITY_IAM is enough", async () => {
    const parameters = [{ ParameterKey: "ExternalId", ParameterValue: "ext-1" }];
    const unnamed = template({ retentionInDays: 7 });
    const validated = await customer.cloudformation.send(new ValidateTemplateCommand({ TemplateBody: unnamed }));
    expect(validated).toMatchObject({ Capabilities: ["CAPABILITY_IAM"], CapabilitiesReason: "The following resource(s) require capabilities: [AWS::IAM::Role, AWS::IAM::Policy]" });
    expect((await awsError(() => customer.cloudformation.send(new CreateStackCommand({ StackName: "gen", TemplateBody: unnamed, Parameters: parameters })))).message).toBe("Requires capabilities : [CAPABILITY_IAM]");
    await customer.cloudformation.send(new CreateStackCommand({ StackName: "gen", TemplateBody: unnamed, Parameters: parameters, Capabilities: ["CAPABILITY_IAM"] }));
    expect((await outputs("gen")).RoleName).toMatch(/^gen-PlatformRole-[A-Z0-9]{12}$/);
  });

  test("a role IAM refuses rolls the stack back, the event quoting IAM's error", async () => {
    const body = JSON.stringify({
      Resources: {
        Logs: { Type: "AWS::Logs::LogGroup", Properties: { LogGroupName: "/rolled-back" } },
        BadRole: {
          Type: "AWS::IAM::Role",
          DependsOn: "Logs",
          Properties: { AssumeRolePolicyDocument: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::210987654321:role/nope" }, Action: "sts:AssumeRole" }] } },
        },
      },
    });
    await customer.cloudformation.send(new CreateStackCommand({ StackName: "bad", TemplateBody: body, Capabilities: ["CAPABILITY_IAM"] }));
    expect(await status("bad")).toBe("ROLLBACK_COMPLETE");
    const events = (await customer.cloudformation.send(new DescribeStackEventsCommand({ StackName: "bad" }))).StackEvents ?? [];
    const failed = events.find((e) => e.LogicalResourceId === "BadRole" && e.ResourceStatus === "CREATE_FAILED");
    expect(failed?.ResourceStatusReason).toContain('Invalid principal in policy: "AWS":"arn:aws:iam::210987654321:role/nope"');
    expect(failed?.ResourceStatusReason).toContain("Service: Iam");
    expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/rolled-back" }))).logGroups).toEqual([]);
  });
});
