/** CloudFormation through @aws-sdk/client-cloudformation: engine, rollback, change sets, errors. */
import {
  CreateChangeSetCommand, CreateStackCommand, DeleteStackCommand, DescribeChangeSetCommand, DescribeStackEventsCommand,
  DeleteChangeSetCommand, DescribeStackResourcesCommand, DescribeStacksCommand, ExecuteChangeSetCommand, GetTemplateCommand, ListChangeSetsCommand,
  UpdateStackCommand, ValidateTemplateCommand,
} from "@aws-sdk/client-cloudformation";
import { DescribeKeyCommand, ListAliasesCommand, ListResourceTagsCommand } from "@aws-sdk/client-kms";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { RunningSandbox } from "../../server";
import { type ClientSet, awsError, clientsFor, startTestSandbox } from "../../test-support";

let sandbox: RunningSandbox;
let customer: ClientSet;
beforeAll(async () => {
  sandbox = await startTestSandbox();
  customer = clientsFor(sandbox.url, "customer", "eu-west-1");
});
afterAll(async () => sandbox.close());
beforeEach(() => sandbox.reset());

const jsonTemplate = (aliasName: string) =>
  JSON.stringify({
    Parameters: { Env: { Type: "String", AllowedValues: ["dev", "prod"], Default: "dev" }, Names: { Type: "String", Default: "a,b,c" } },
    Conditions: { IsProd: { "Fn::Equals": [{ Ref: "Env" }, "prod"] }, NotProd: { "Fn::Not": [{ Condition: "IsProd" }] } },
    Resources: {
      Key: {
        Type: "AWS::KMS::Key",
        DeletionPolicy: "Delete",
        Properties: {
          Description: { "Fn::Join": ["-", ["key", { Ref: "Env" }, { "Fn::Select": [1, { "Fn::Split": [",", { Ref: "Names" }] }] }]] },
          PendingWindowInDays: 7,
          EnableKeyRotation: { "Fn::If": ["IsProd", true, { Ref: "AWS::NoValue" }] },
          Tags: [{ Key: "stack", Value: { Ref: "AWS::StackName" } }],
        },
      },
      Alias: { Type: "AWS::KMS::Alias", Properties: { AliasName: aliasName, TargetKeyId: { Ref: "Key" } } },
    },
    Outputs: {
      KeyArn: { Value: { "Fn::GetAtt": ["Key", "Arn"] } },
      Summary: { Value: { "Fn::Sub": ["${AWS::Region}/${Id}/${!Literal}", { Id: { "Fn::GetAtt": ["Key", "KeyId"] } }] } },
      ProdOnly: { Condition: "IsProd", Value: "yes" },
    },
  });

describe("stacks", () => {
  test("JSON template: intrinsics, conditions, outputs; update in place; delete schedules key deletion", async () => {
    await customer.cloudformation.send(new CreateStackCommand({ StackName: "keys", TemplateBody: jsonTemplate("alias/app") }));
    const stack = (await customer.cloudformation.send(new DescribeStacksCommand({ StackName: "keys" }))).Stacks?.[0];
    expect(stack?.StackStatus).toBe("CREATE_COMPLETE");
    const outputs = Object.fromEntries((stack?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
    expect(outputs.KeyArn).toMatch(/^arn:aws:kms:eu-west-1:123456789012:key\//);
    expect(outputs.Summary).toBe(`eu-west-1/${outputs.KeyArn?.split("/").pop()}/\${Literal}`);
    expect(outputs.ProdOnly).toBeUndefined();
    const key = await customer.kms.send(new DescribeKeyCommand({ KeyId: outputs.KeyArn }));
    expect(key.KeyMetadata?.Description).toBe("key-dev-b");
    expect((await customer.kms.send(new ListResourceTagsCommand({ KeyId: outputs.KeyArn }))).Tags).toEqual([{ TagKey: "stack", TagValue: "keys" }]);

    await customer.cloudformation.send(new UpdateStackCommand({ StackName: "keys", TemplateBody: jsonTemplate("alias/app"), Parameters: [{ ParameterKey: "Env", ParameterValue: "prod" }] }));
    const updated = (await customer.cloudformation.send(new DescribeStacksCommand({ StackName: "keys" }))).Stacks?.[0];
    expect(updated?.StackStatus).toBe("UPDATE_COMPLETE");
    expect(updated?.Outputs?.find((o) => o.OutputKey === "KeyArn")?.OutputValue).toBe(outputs.KeyArn);
    expect((await customer.kms.send(new DescribeKeyCommand({ KeyId: outputs.KeyArn }))).KeyMetadata?.Description).toBe("key-prod-b");
    const noop = await awsError(() => customer.cloudformation.send(new UpdateStackCommand({ StackName: "keys", TemplateBody: jsonTemplate("alias/app"), Parameters: [{ ParameterKey: "Env", UsePreviousValue: true }] })));
    expect(noop).toMatchObject({ name: "ValidationError", message: "No updates are to be performed." });

    const resources = await customer.cloudformation.send(new DescribeStackResourcesCommand({ StackName: "keys" }));
    expect(resources.StackResources?.map((r) => r.LogicalResourceId).sort()).toEqual(["Alias", "Key"]);
    expect((await customer.cloudformation.send(new GetTemplateCommand({ StackName: "keys" }))).TemplateBody).toBe(jsonTemplate("alias/app"));

    await customer.cloudformation.send(new DeleteStackCommand({ StackName: "keys" }));
    expect((await customer.kms.send(new DescribeKeyCommand({ KeyId: outputs.KeyArn }))).KeyMetadata?.KeyState).toBe("PendingDeletion");
    expect((await awsError(() => customer.cloudformation.send(new DescribeStacksCommand({ StackName: "keys" })))).message).toBe("Stack with id keys does not exist");
  });

  test("a failing resource rolls the stack back, with events naming it and the KMS error", async () => {
    await customer.cloudformation.send(new CreateStackCommand({ StackName: "broken", TemplateBody: jsonTemplate("alias/aws/reserved") }));
    const stack = (await customer.cloudformation.send(new DescribeStacksCommand({ StackName: "broken" }))).Stacks?.[0];
    expect(stack?.StackStatus).toBe("ROLLBACK_COMPLETE");
    const events = (await customer.cloudformation.send(new DescribeStackEventsCommand({ StackName: "broken" }))).StackEvents ?? [];
    const failed = events.find((e) => e.ResourceStatus === "CREATE_FAILED");
    expect(failed?.LogicalResourceId).toBe("Alias");
    expect(failed?.ResourceStatusReason).toContain("Cannot create alias with prefix 'alias/aws/'");
    expect(events.some((e) => e.LogicalResourceId === "Key" && e.ResourceStatus === "DELETE_COMPLETE")).toBe(true);
    expect((await customer.kms.send(new ListAliasesCommand({}))).Aliases).toEqual([]);
    expect((await awsError(() => customer.cloudformation.send(new UpdateStackCommand({ StackName: "broken", TemplateBody: jsonTemplate("alias/x") })))).message).toContain("ROLLBACK_COMPLETE state and can not be updated");
  });

  test("template and parameter errors come back as ValidationError", async () => {
    const validated = await customer.cloudformation.send(new ValidateTemplateCommand({ TemplateBody: jsonTemplate("alias/a") }));
    expect(validated.Parameters?.map((p) => p.ParameterKey).sort()).toEqual(["Env", "Names"]);
    const cases: Array<[string, string, Array<{ ParameterKey: string; ParameterValue: string }>]> = [
      ["Parameter 'Env' must be one of AllowedValues", jsonTemplate("alias/a"), [{ ParameterKey: "Env", ParameterValue: "test" }]],
      ["Parameters: [Nope] do not exist in the template", jsonTemplate("alias/a"), [{ ParameterKey: "Nope", ParameterValue: "x" }]],
      ["Unresolved resource dependencies [Missing]", JSON.stringify({ Resources: { K: { Type: "AWS::KMS::Alias", Properties: { AliasName: "alias/x", TargetKeyId: { Ref: "Missing" } } } } }), []],
      ["Unrecognized resource types: [AWS::S3::Bucket]", "Resources:\n  B:\n    Type: AWS::S3::Bucket\n", []],
      ["At least one Resources member must be defined", "{}", []],
    ];
    for (const [message, body, parameters] of cases) {
      const err = await awsError(() => customer.cloudformation.send(new CreateStackCommand({ StackName: "bad", TemplateBody: body, Parameters: parameters })));
      expect(err.name).toBe("ValidationError");
      expect(err.message).toContain(message);
    }
  });

  test("change sets: CREATE, describe, execute; an empty UPDATE fails with AWS's reason", async () => {
    const created = await customer.cloudformation.send(new CreateChangeSetCommand({ StackName: "cs", ChangeSetName: "first", ChangeSetType: "CREATE", TemplateBody: jsonTemplate("alias/cs") }));
    expect((await customer.cloudformation.send(new DescribeStacksCommand({ StackName: "cs" }))).Stacks?.[0]?.StackStatus).toBe("REVIEW_IN_PROGRESS");
    const described = await customer.cloudformation.send(new DescribeChangeSetCommand({ ChangeSetName: created.Id }));
    expect(described).toMatchObject({ Status: "CREATE_COMPLETE", ExecutionStatus: "AVAILABLE" });
    expect(described.Changes?.map((c) => `${c.ResourceChange?.Action} ${c.ResourceChange?.LogicalResourceId}`)).toEqual(["Add Alias", "Add Key"]);
    await customer.cloudformation.send(new ExecuteChangeSetCommand({ ChangeSetName: "first", StackName: "cs" }));
    expect((await customer.cloudformation.send(new DescribeStacksCommand({ StackName: "cs" }))).Stacks?.[0]?.StackStatus).toBe("CREATE_COMPLETE");
    await customer.cloudformation.send(new CreateChangeSetCommand({ StackName: "cs", ChangeSetName: "again", ChangeSetType: "UPDATE", TemplateBody: jsonTemplate("alias/cs") }));
    const empty = await customer.cloudformation.send(new DescribeChangeSetCommand({ StackName: "cs", ChangeSetName: "again" }));
    expect(empty).toMatchObject({ Status: "FAILED", ExecutionStatus: "UNAVAILABLE", StatusReason: "The submitted information didn't contain changes. Submit different information to create a change set." });
    await customer.cloudformation.send(new CreateChangeSetCommand({ StackName: "cs", ChangeSetName: "rename", TemplateBody: jsonTemplate("alias/renamed") }));
    const rename = await customer.cloudformation.send(new DescribeChangeSetCommand({ StackName: "cs", ChangeSetName: "rename" }));
    expect(rename.Changes?.[0]?.ResourceChange).toMatchObject({ Action: "Modify", LogicalResourceId: "Alias", Replacement: "True" });
    await customer.cloudformation.send(new ExecuteChangeSetCommand({ StackName: "cs", ChangeSetName: "rename" }));
    expect((await customer.kms.send(new ListAliasesCommand({}))).Aliases?.map((a) => a.AliasName)).toEqual(["alias/renamed"]);
  });

  test("executing a change set deletes the stack's change sets, so their names can be used again", async () => {
    // What `aws cloudformation deploy` does twice within one second: both change sets are named
    // awscli-cloudformation-package-deploy-<epoch second>.
    const name = "awscli-cloudformation-package-deploy-1700000000";
    const first = await customer.cloudformation.send(new CreateChangeSetCommand({ StackName: "same", ChangeSetName: name, ChangeSetType: "CREATE", TemplateBody: jsonTemplate("alias/same") }));
    await customer.cloudformation.send(new CreateChangeSetCommand({ StackName: "same", ChangeSetName: "other", ChangeSetType: "CREATE", TemplateBody: jsonTemplate("alias/other") }));
    const listed = await customer.cloudformation.send(new ListChangeSetsCommand({ StackName: "same" }));
    expect(listed.Summaries?.map((c) => [c.ChangeSetName, c.Status, c.ExecutionStatus, c.StackName])).toEqual([
      [name, "CREATE_COMPLETE", "AVAILABLE", "same"],
      ["other", "CREATE_COMPLETE", "AVAILABLE", "same"],
    ]);
    expect(listed.Summaries?.[0]).toMatchObject({ ChangeSetId: first.Id, StackId: first.StackId });
    expect(listed.Summaries?.[0]?.CreationTime).toBeInstanceOf(Date);

    await customer.cloudformation.send(new ExecuteChangeSetCommand({ StackName: "same", ChangeSetName: name }));
    expect((await customer.cloudformation.send(new ListChangeSetsCommand({ StackName: "same" }))).Summaries).toEqual([]);
    expect((await awsError(() => customer.cloudformation.send(new DescribeChangeSetCommand({ StackName: "same", ChangeSetName: "other" })))).name).toBe("ChangeSetNotFoundException");
    expect((await customer.cloudformation.send(new DescribeStacksCommand({ StackName: "same" }))).Stacks?.[0]).toMatchObject({ StackStatus: "CREATE_COMPLETE", ChangeSetId: first.Id });

    const second = await customer.cloudformation.send(
      new CreateChangeSetCommand({ StackName: "same", ChangeSetName: name, ChangeSetType: "UPDATE", TemplateBody: jsonTemplate("alias/same"), Parameters: [{ ParameterKey: "Env", ParameterValue: "prod" }] }),
    );
    expect(second.Id).not.toBe(first.Id);
    expect(await awsError(() => customer.cloudformation.send(new CreateChangeSetCommand({ StackName: "same", ChangeSetName: name, TemplateBody: jsonTemplate("alias/same") })))).toMatchObject({
      name: "AlreadyExistsException",
    });
    await customer.cloudformation.send(new ExecuteChangeSetCommand({ StackName: "same", ChangeSetName: name }));
    const stack = (await customer.cloudformation.send(new DescribeStacksCommand({ StackName: "same" }))).Stacks?.[0];
    expect(stack).toMatchObject({ StackStatus: "UPDATE_COMPLETE", ChangeSetId: second.Id });
    expect(stack?.Outputs?.find((o) => o.OutputKey === "ProdOnly")?.OutputValue).toBe("yes");

    await customer.cloudformation.send(new CreateChangeSetCommand({ StackName: "same", ChangeSetName: "dropped", TemplateBody: jsonTemplate("alias/dropped") }));
    await customer.cloudformation.send(new DeleteChangeSetCommand({ StackName: "same", ChangeSetName: "dropped" }));
    expect((await customer.cloudformation.send(new ListChangeSetsCommand({ StackName: "same" }))).Summaries).toEqual([]);
    expect((await awsError(() => customer.cloudformation.send(new ListChangeSetsCommand({ StackName: "missing" })))).name).toBe("ValidationError");
  });
});
