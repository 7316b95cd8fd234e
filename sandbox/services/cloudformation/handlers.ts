/** CloudFormation API: stacks, change sets (what `aws cloudformation deploy` uses), events. */
import { randomUUID } from "node:crypto";
import { ServiceError } from "../../errors";
import { type Input, isRecord, optBoolean, optList, optString, optStringList, reqString } from "../../input";
import type { AccessCheck } from "../../authorize";
import { regional } from "../../state";
import { type CallContext, type Operation, type Output, type Service, type World, operation } from "../../world";
import { StackRunner, activeResources, baseEnv } from "./engine";
import type { ChangeSet, ChangeSetChange, Stack, StackParameter } from "./model";
import { type ProviderServices, resourceProviders } from "./resources";
import { type GivenParameter, type Template, parseTemplate, resolveParameters, resolveValue, templateError } from "./template";

const STACK_NAME = /^[a-zA-Z][-a-zA-Z0-9]{0,127}$/;
const NO_CHANGES = "The submitted information didn't contain changes. Submit different information to create a change set.";

function validation(message: string): ServiceError {
  return new ServiceError("ValidationError", message, 400);
}

/**
 * IAM resources need the caller's acknowledgement: CAPABILITY_NAMED_IAM when a role is given its
 * own name, CAPABILITY_IAM otherwise (CloudFormation User Guide, "Acknowledging IAM resources").
 */
function neededCapability(template: Template): "CAPABILITY_IAM" | "CAPABILITY_NAMED_IAM" | undefined {
  const resources = Object.values(template.Resources);
  if (!resources.some((r) => r.Type.startsWith("AWS::IAM::"))) return undefined;
  return resources.some((r) => r.Type === "AWS::IAM::Role" && r.Properties.RoleName !== undefined) ? "CAPABILITY_NAMED_IAM" : "CAPABILITY_IAM";
}

function checkCapabilities(template: Template, capabilities: string[]): void {
  const needed = neededCapability(template);
  if (needed === undefined || capabilities.includes("CAPABILITY_NAMED_IAM") || capabilities.includes(needed)) return;
  throw new ServiceError("InsufficientCapabilitiesException", `Requires capabilities : [${needed}]`, 400);
}

/** What ValidateTemplate and GetTemplateSummary report about a template's IAM resources. */
function capabilitiesSummary(template: Template): Output {
  const needed = neededCapability(template);
  if (needed === undefined) return { Capabilities: [] };
  const types = [...new Set(Object.values(template.Resources).filter((r) => r.Type.startsWith("AWS::IAM::")).map((r) => r.Type))];
  return { Capabilities: [needed], CapabilitiesReason: `The following resource(s) require capabilities: [${types.join(", ")}]` };
}

export function createCloudFormationService(world: World, services: ProviderServices): Service {
  const providers = resourceProviders(services);
  const stacksOf = (ctx: CallContext) => regional(world.state.cloudformation, ctx.principal.accountId, ctx.region, (): { stacks: Stack[] } => ({ stacks: [] })).stacks;

  function cfnAccess(action: string, resource: string): AccessCheck {
    return { action: `cloudformation:${action}`, resource };
  }

  /** Stack ARN pattern of a stack that may not exist yet (IAM: `stack/<name>/*`). */
  function stackPattern(ctx: CallContext, name: string): string {
    return `arn:aws:cloudformation:${ctx.region}:${ctx.principal.accountId}:stack/${name}/*`;
  }

  /** An operation authorized on `*` before it reads anything (describe, list, validate). */
  function unscoped(action: string, run: (input: Input, ctx: CallContext) => Output): Operation {
    return operation({ resolve: () => undefined, access: () => [cfnAccess(action, "*")], run: (_none, input, ctx) => run(input, ctx) });
  }

  /** By name: the live stack. By stack id: also deleted ones. */
  function findStack(ctx: CallContext, nameOrId: string): Stack | undefined {
    const stacks = stacksOf(ctx);
    if (nameOrId.startsWith("arn:")) return stacks.find((s) => s.stackId === nameOrId);
    return stacks.find((s) => s.stackName === nameOrId && s.status !== "DELETE_COMPLETE");
  }

  function requireStack(ctx: CallContext, nameOrId: string): Stack {
    const stack = findStack(ctx, nameOrId);
    if (!stack) throw validation(`Stack with id ${nameOrId} does not exist`);
    return stack;
  }

  function newStack(ctx: CallContext, name: string): Stack {
    if (!STACK_NAME.test(name)) {
      throw validation(`1 validation error detected: Value '${name}' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*|arn:[-a-zA-Z0-9:/._+]*`);
    }
    return {
      stackId: `arn:aws:cloudformation:${ctx.region}:${ctx.principal.accountId}:stack/${name}/${randomUUID()}`,
      stackName: name,
      templateBody: "",
      parameters: [],
      tags: [],
      capabilities: [],
      status: "REVIEW_IN_PROGRESS",
      creationTime: world.now().toISOString(),
      disableRollback: false,
      outputs: [],
      resources: {},
      events: [],
      changeSets: [],
    };
  }

  function readTemplate(input: Input): { template: Template; body: string } {
    const body = optString(input, "TemplateBody");
    if (optString(input, "TemplateURL")) throw validation("TemplateURL is not supported by the sandbox; pass TemplateBody.");
    if (!body) throw validation("Either Template URL or Template Body must be specified.");
    const template = parseTemplate(body);
    for (const r of Object.values(template.Resources)) {
      if (!providers[r.Type]) throw templateError(`Template format error: Unrecognized resource types: [${r.Type}]`);
    }
    return { template, body };
  }

  function readParameters(input: Input): GivenParameter[] {
    return (optList(input, "Parameters") ?? []).flatMap((p) => {
      if (!isRecord(p) || typeof p.ParameterKey !== "string") return [];
      const g: GivenParameter = { key: p.ParameterKey };
      if (typeof p.ParameterValue === "string") g.value = p.ParameterValue;
      if (p.UsePreviousValue === true || p.UsePreviousValue === "true") g.usePreviousValue = true;
      return [g];
    });
  }

  function readTags(input: Input): Array<{ Key: string; Value: string }> {
    return (optList(input, "Tags") ?? []).flatMap((t) => (isRecord(t) && typeof t.Key === "string" ? [{ Key: t.Key, Value: typeof t.Value === "string" ? t.Value : "" }] : []));
  }

  function runner(stack: Stack, ctx: CallContext): StackRunner {
    return new StackRunner({ providers, now: () => world.now() }, stack, ctx);
  }

  function sameParameters(a: StackParameter[], b: StackParameter[]): boolean {
    return JSON.stringify(a.map((p) => [p.key, p.value])) === JSON.stringify(b.map((p) => [p.key, p.value]));
  }

  function hasChanges(stack: Stack, template: Template, parameters: StackParameter[], tags: Array<{ Key: string; Value: string }>): boolean {
    let previous: unknown;
    try {
      previous = parseTemplate(stack.templateBody).raw;
    } catch {
      return true;
    }
    return JSON.stringify(previous) !== JSON.stringify(template.raw) || !sameParameters(stack.parameters, parameters) || JSON.stringify(stack.tags) !== JSON.stringify(tags);
  }

  function computeChanges(stack: Stack, template: Template, parameters: StackParameter[], ctx: CallContext): ChangeSetChange[] {
    const env = baseEnv(stack, template, parameters, ctx);
    for (const [id, r] of Object.entries(stack.resources)) env.resources[id] = { physicalId: r.physicalId, attributes: r.attributes };
    const active = activeResources(template, env);
    const changes: ChangeSetChange[] = [];
    for (const id of [...active].sort()) {
      const decl = template.Resources[id];
      if (!decl) continue;
      const existing = stack.resources[id];
      if (!existing) {
        changes.push({ action: "Add", logicalId: id, resourceType: decl.Type });
        continue;
      }
      let props: unknown;
      try {
        props = resolveValue(decl.Properties, env);
      } catch {
        props = undefined;
      }
      if (JSON.stringify(props) === JSON.stringify(existing.properties)) continue;
      const replaceOn = providers[decl.Type]?.replaceOn ?? [];
      const replacement = isRecord(props) ? replaceOn.some((k) => JSON.stringify(props[k]) !== JSON.stringify(existing.properties[k])) : false;
      changes.push({ action: "Modify", logicalId: id, physicalId: existing.physicalId, resourceType: decl.Type, replacement: replacement ? "True" : "False" });
    }
    for (const [id, r] of Object.entries(stack.resources)) {
      if (!active.has(id)) changes.push({ action: "Remove", logicalId: id, physicalId: r.physicalId, resourceType: r.type });
    }
    return changes;
  }

  function describeStack(stack: Stack): Output {
    const out: Output = {
      StackId: stack.stackId,
      StackName: stack.stackName,
      Description: stack.description,
      Parameters: stack.parameters.map((p) => ({ ParameterKey: p.key, ParameterValue: p.noEcho ? "****" : p.value })),
      CreationTime: new Date(stack.creationTime),
      DeletionTime: stack.deletionTime ? new Date(stack.deletionTime) : undefined,
      LastUpdatedTime: stack.lastUpdatedTime ? new Date(stack.lastUpdatedTime) : undefined,
      RollbackConfiguration: {},
      StackStatus: stack.status,
      StackStatusReason: stack.statusReason,
      DisableRollback: stack.disableRollback,
      NotificationARNs: [],
      Capabilities: stack.capabilities,
      Outputs: stack.outputs,
      Tags: stack.tags,
      EnableTerminationProtection: false,
      DriftInformation: { StackDriftStatus: "NOT_CHECKED" },
    };
    const changeSetId = stack.lastChangeSetId ?? stack.changeSets[stack.changeSets.length - 1]?.id;
    if (changeSetId) out.ChangeSetId = changeSetId;
    return out;
  }

  /** Change sets that still exist (state files from older sandboxes also hold executed and deleted ones). */
  function liveChangeSets(stack: Stack): ChangeSet[] {
    return stack.changeSets.filter((c) => c.status !== "DELETE_COMPLETE" && c.executionStatus !== "EXECUTE_COMPLETE" && c.executionStatus !== "OBSOLETE");
  }

  function findChangeSet(ctx: CallContext, input: Input): { stack: Stack; changeSet: ChangeSet } {
    const name = reqString(input, "ChangeSetName");
    const stackName = optString(input, "StackName");
    const candidates = stackName ? [findStack(ctx, stackName)].filter((s): s is Stack => s !== undefined) : stacksOf(ctx);
    for (const stack of candidates) {
      const changeSet = liveChangeSets(stack).find((c) => (name.startsWith("arn:") ? c.id === name : c.name === name));
      if (changeSet) return { stack, changeSet };
    }
    throw new ServiceError("ChangeSetNotFound", `ChangeSet [${name}] does not exist`, 404);
  }

  const updatable = new Set(["CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"]);

  async function createStack(ctx: CallContext, name: string, input: Input): Promise<Output> {
    if (findStack(ctx, name)) throw new ServiceError("AlreadyExistsException", `Stack [${name}] already exists`, 400);
    const { template, body } = readTemplate(input);
    const stack = newStack(ctx, name);
    const parameters = resolveParameters(template, readParameters(input), []);
    stack.tags = readTags(input);
    stack.capabilities = optStringList(input, "Capabilities") ?? [];
    checkCapabilities(template, stack.capabilities);
    stack.disableRollback = optBoolean(input, "DisableRollback") ?? false;
    stacksOf(ctx).push(stack);
    await runner(stack, ctx).deploy(template, body, parameters, "create");
    world.changed();
    return { StackId: stack.stackId };
  }

  async function updateStack(ctx: CallContext, stack: Stack, input: Input): Promise<Output> {
    if (!updatable.has(stack.status)) throw validation(`Stack:${stack.stackId} is in ${stack.status} state and can not be updated.`);
    const usePrevious = optBoolean(input, "UsePreviousTemplate") ?? false;
    const { template, body } = usePrevious ? { template: parseTemplate(stack.templateBody), body: stack.templateBody } : readTemplate(input);
    const parameters = resolveParameters(template, readParameters(input), stack.parameters);
    const tags = optList(input, "Tags") === undefined ? stack.tags : readTags(input);
    if (!hasChanges(stack, template, parameters, tags)) throw validation("No updates are to be performed.");
    const capabilities = optStringList(input, "Capabilities") ?? [];
    checkCapabilities(template, capabilities);
    stack.capabilities = capabilities;
    stack.tags = tags;
    await runner(stack, ctx).deploy(template, body, parameters, "update");
    world.changed();
    return { StackId: stack.stackId };
  }

  function createChangeSet(ctx: CallContext, stackName: string, changeSetName: string, input: Input): Output {
    const type = optString(input, "ChangeSetType") ?? "UPDATE";
    if (type !== "CREATE" && type !== "UPDATE") throw validation(`ChangeSetType ${type} is not supported by the sandbox`);
    let stack = findStack(ctx, stackName);
    if (type === "CREATE") {
      if (stack && stack.status !== "REVIEW_IN_PROGRESS") throw new ServiceError("AlreadyExistsException", `Stack [${stackName}] already exists and cannot be created again with the changeSet [${changeSetName}].`, 400);
    } else if (!stack || stack.status === "REVIEW_IN_PROGRESS") {
      throw validation(`Stack [${stackName}] does not exist`);
    } else if (!updatable.has(stack.status)) {
      throw validation(`Stack:${stack.stackId} is in ${stack.status} state and can not be updated.`);
    }
    const usePrevious = optBoolean(input, "UsePreviousTemplate") ?? false;
    const { template, body } = usePrevious && stack ? { template: parseTemplate(stack.templateBody), body: stack.templateBody } : readTemplate(input);
    checkCapabilities(template, optStringList(input, "Capabilities") ?? []);
    if (!stack) {
      stack = newStack(ctx, stackName);
      stacksOf(ctx).push(stack);
    }
    // Names are unique among the stack's live change sets only: executed ones are gone, so the
    // AWS CLI's per-second `awscli-cloudformation-package-deploy-<epoch>` can come back.
    if (liveChangeSets(stack).some((c) => c.name === changeSetName)) {
      throw new ServiceError("AlreadyExistsException", `ChangeSet ${changeSetName} already exists`, 400);
    }
    const parameters = resolveParameters(template, readParameters(input), stack.parameters);
    const tags = optList(input, "Tags") === undefined ? stack.tags : readTags(input);
    const changeSet: ChangeSet = {
      id: `arn:aws:cloudformation:${ctx.region}:${ctx.principal.accountId}:changeSet/${changeSetName}/${randomUUID()}`,
      name: changeSetName,
      type,
      status: "CREATE_COMPLETE",
      executionStatus: "AVAILABLE",
      creationTime: world.now().toISOString(),
      templateBody: body,
      parameters,
      tags,
      capabilities: optStringList(input, "Capabilities") ?? [],
      changes: [],
    };
    const description = optString(input, "Description");
    if (description) changeSet.description = description;
    if (type === "UPDATE" && !hasChanges(stack, template, parameters, tags)) {
      changeSet.status = "FAILED";
      changeSet.executionStatus = "UNAVAILABLE";
      changeSet.statusReason = NO_CHANGES;
    } else {
      changeSet.changes = computeChanges(stack, template, parameters, ctx);
    }
    stack.changeSets.push(changeSet);
    world.changed();
    return { Id: changeSet.id, StackId: stack.stackId };
  }

  async function executeChangeSet(ctx: CallContext, stack: Stack, changeSet: ChangeSet, input: Input): Promise<Output> {
    if (changeSet.executionStatus !== "AVAILABLE") {
      throw new ServiceError("InvalidChangeSetStatus", `ChangeSet [${changeSet.id}] cannot be executed in its current status of [${changeSet.status}]`, 400);
    }
    const template = parseTemplate(changeSet.templateBody);
    // "After you execute a change set, CloudFormation removes all change sets associated with the
    // stack" (CloudFormation User Guide, "Execute a change set"): their names become free again.
    stack.changeSets = [];
    stack.lastChangeSetId = changeSet.id;
    stack.tags = changeSet.tags;
    stack.capabilities = changeSet.capabilities;
    if (optBoolean(input, "DisableRollback") !== undefined) stack.disableRollback = optBoolean(input, "DisableRollback") ?? false;
    await runner(stack, ctx).deploy(template, changeSet.templateBody, changeSet.parameters, changeSet.type === "CREATE" ? "create" : "update");
    world.changed();
    return {};
  }

  const operations: Record<string, Operation> = {
    ValidateTemplate: unscoped("ValidateTemplate", (input) => {
      const { template } = readTemplate(input);
      return {
        Parameters: Object.entries(template.Parameters).map(([key, p]) => ({ ParameterKey: key, DefaultValue: p.Default, NoEcho: p.NoEcho, Description: p.Description })),
        Description: template.Description,
        ...capabilitiesSummary(template),
        DeclaredTransforms: [],
      };
    }),

    GetTemplateSummary: unscoped("GetTemplateSummary", (input, ctx) => {
      const stackName = optString(input, "StackName");
      const template = stackName ? parseTemplate(requireStack(ctx, stackName).templateBody) : readTemplate(input).template;
      return {
        Parameters: Object.entries(template.Parameters).map(([key, p]) => ({
          ParameterKey: key,
          DefaultValue: p.Default,
          ParameterType: p.Type,
          NoEcho: p.NoEcho,
          Description: p.Description,
          ParameterConstraints: p.AllowedValues ? { AllowedValues: p.AllowedValues } : {},
        })),
        Description: template.Description,
        ...capabilitiesSummary(template),
        ResourceTypes: [...new Set(Object.values(template.Resources).map((r) => r.Type))],
        Version: "2010-09-09",
        DeclaredTransforms: [],
      };
    }),

    CreateStack: operation({
      resolve: (input) => reqString(input, "StackName", "ValidationError"),
      access: (name, ctx) => [cfnAccess("CreateStack", stackPattern(ctx, name))],
      run: (name, input, ctx) => createStack(ctx, name, input),
    }),

    UpdateStack: operation({
      resolve: (input, ctx) => requireStack(ctx, reqString(input, "StackName", "ValidationError")),
      access: (stack) => [cfnAccess("UpdateStack", stack.stackId)],
      run: (stack, input, ctx) => updateStack(ctx, stack, input),
    }),

    DeleteStack: operation({
      resolve: (input, ctx) => findStack(ctx, reqString(input, "StackName", "ValidationError")),
      // Deleting a stack that does not exist succeeds silently, as in AWS, with nothing to authorize.
      access: (stack) => (stack ? [cfnAccess("DeleteStack", stack.stackId)] : []),
      async run(stack, _input, ctx) {
        if (!stack || stack.status === "DELETE_COMPLETE") return {};
        await runner(stack, ctx).delete();
        world.changed();
        return {};
      },
    }),
    DescribeStacks: unscoped("DescribeStacks", (input, ctx) => {
      const name = optString(input, "StackName");
      if (name) return { Stacks: [describeStack(requireStack(ctx, name))] };
      return { Stacks: stacksOf(ctx).filter((s) => s.status !== "DELETE_COMPLETE").map(describeStack) };
    }),

    ListStacks: unscoped("ListStacks", (input, ctx) => {
      const filter = optStringList(input, "StackStatusFilter");
      return {
        StackSummaries: stacksOf(ctx)
          .filter((s) => !filter || filter.length === 0 || filter.includes(s.status))
          .map((s) => ({ StackId: s.stackId, StackName: s.stackName, CreationTime: new Date(s.creationTime), StackStatus: s.status, DeletionTime: s.deletionTime ? new Date(s.deletionTime) : undefined })),
      };
    }),

    DescribeStackEvents: unscoped("DescribeStackEvents", (input, ctx) => {
      const stack = requireStack(ctx, reqString(input, "StackName", "ValidationError"));
      return {
        StackEvents: [...stack.events].reverse().map((e) => ({
          StackId: stack.stackId,
          EventId: e.eventId,
          StackName: stack.stackName,
          LogicalResourceId: e.logicalId,
          PhysicalResourceId: e.physicalId,
          ResourceType: e.resourceType,
          Timestamp: new Date(e.timestamp),
          ResourceStatus: e.status,
          ResourceStatusReason: e.reason,
          ResourceProperties: e.properties,
        })),
      };
    }),

    DescribeStackResources: unscoped("DescribeStackResources", (input, ctx) => {
      const stack = requireStack(ctx, reqString(input, "StackName", "ValidationError"));
      const logical = optString(input, "LogicalResourceId");
      return {
        StackResources: Object.values(stack.resources)
          .filter((r) => !logical || r.logicalId === logical)
          .map((r) => ({
            StackName: stack.stackName,
            StackId: stack.stackId,
            LogicalResourceId: r.logicalId,
            PhysicalResourceId: r.physicalId,
            ResourceType: r.type,
            Timestamp: new Date(r.timestamp),
            ResourceStatus: r.status,
            DriftInformation: { StackResourceDriftStatus: "NOT_CHECKED" },
          })),
      };
    }),

    GetTemplate: unscoped("GetTemplate", (input, ctx) => {
      const changeSetName = optString(input, "ChangeSetName");
      if (changeSetName) return { TemplateBody: findChangeSet(ctx, input).changeSet.templateBody, StagesAvailable: ["Original", "Processed"] };
      const stack = requireStack(ctx, reqString(input, "StackName", "ValidationError"));
      return { TemplateBody: stack.templateBody, StagesAvailable: ["Original", "Processed"] };
    }),

    CreateChangeSet: operation({
      resolve: (input) => ({ stackName: reqString(input, "StackName", "ValidationError"), changeSetName: reqString(input, "ChangeSetName", "ValidationError") }),
      access: ({ stackName }, ctx) => [cfnAccess("CreateChangeSet", stackPattern(ctx, stackName))],
      run: ({ stackName, changeSetName }, input, ctx) => createChangeSet(ctx, stackName, changeSetName, input),
    }),

    DescribeChangeSet: unscoped("DescribeChangeSet", (input, ctx) => {
      const { stack, changeSet } = findChangeSet(ctx, input);
      return {
        ChangeSetName: changeSet.name,
        ChangeSetId: changeSet.id,
        StackId: stack.stackId,
        StackName: stack.stackName,
        Description: changeSet.description,
        Parameters: changeSet.parameters.map((p) => ({ ParameterKey: p.key, ParameterValue: p.noEcho ? "****" : p.value })),
        CreationTime: new Date(changeSet.creationTime),
        ExecutionStatus: changeSet.executionStatus,
        Status: changeSet.status,
        StatusReason: changeSet.statusReason,
        NotificationARNs: [],
        RollbackConfiguration: {},
        Capabilities: changeSet.capabilities,
        Tags: changeSet.tags,
        Changes: changeSet.changes.map((c) => ({
          Type: "Resource",
          ResourceChange: { Action: c.action, LogicalResourceId: c.logicalId, PhysicalResourceId: c.physicalId, ResourceType: c.resourceType, Replacement: c.replacement, Scope: [], Details: [] },
        })),
        IncludeNestedStacks: false,
      };
    }),

    ListChangeSets: operation({
      resolve: (input, ctx) => requireStack(ctx, reqString(input, "StackName", "ValidationError")),
      access: (stack) => [cfnAccess("ListChangeSets", stack.stackId)],
      run: (stack) => ({
        Summaries: liveChangeSets(stack).map((c) => ({
          StackId: stack.stackId,
          StackName: stack.stackName,
          ChangeSetId: c.id,
          ChangeSetName: c.name,
          ExecutionStatus: c.executionStatus,
          Status: c.status,
          StatusReason: c.statusReason,
          CreationTime: new Date(c.creationTime),
          Description: c.description,
          IncludeNestedStacks: false,
        })),
      }),
    }),

    ExecuteChangeSet: operation({
      resolve: (input, ctx) => findChangeSet(ctx, input),
      access: ({ stack }) => [cfnAccess("ExecuteChangeSet", stack.stackId)],
      run: ({ stack, changeSet }, input, ctx) => executeChangeSet(ctx, stack, changeSet, input),
    }),
    DeleteChangeSet: operation({
      resolve: (input, ctx) => findChangeSet(ctx, input),
      access: ({ stack }) => [cfnAccess("DeleteChangeSet", stack.stackId)],
      run({ stack, changeSet }) {
        stack.changeSets = stack.changeSets.filter((c) => c !== changeSet);
        world.changed();
        return {};
      },
    }),
  };

  return { name: "cloudformation", operations, accessDenied: { code: "AccessDenied", status: 403 } };
}
