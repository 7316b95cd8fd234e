/**
 * Runs a stack operation to completion: create, update (in place or by replacement) and
 * delete resources in dependency order, honour DeletionPolicy/UpdateReplacePolicy, roll
 * back on the first failure with events naming the resource and the underlying error.
 * Operations finish before the API call returns, so waiters see the final status at once.
 */
import { randomUUID } from "node:crypto";
import { ServiceError } from "../../errors";
import type { CallContext } from "../../world";
import type { JsonValue, Stack, StackParameter, StackResource } from "./model";
import { type ResourceProvider, type Properties } from "./resources";
import {
  NO_VALUE,
  type ResolveEnv,
  type Template,
  deploymentOrder,
  evaluateConditions,
  parseTemplate,
  resolveValue,
} from "./template";

export interface EngineDeps {
  providers: Record<string, ResourceProvider>;
  now: () => Date;
}

function isObject(value: unknown): value is { [key: string]: JsonValue } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function baseEnv(stack: Stack, template: Template, parameters: StackParameter[], ctx: CallContext): ResolveEnv {
  const params: Record<string, string | string[]> = {};
  for (const p of parameters) {
    const decl = template.Parameters[p.key];
    params[p.key] = decl && (decl.Type === "CommaDelimitedList" || decl.Type.startsWith("List<")) ? p.value.split(",").map((s) => s.trim()) : p.value;
  }
  const env: ResolveEnv = {
    parameters: params,
    pseudo: {
      "AWS::AccountId": ctx.principal.accountId,
      "AWS::Region": ctx.region,
      "AWS::StackName": stack.stackName,
      "AWS::StackId": stack.stackId,
      "AWS::Partition": "aws",
      "AWS::URLSuffix": "amazonaws.com",
      "AWS::NotificationARNs": [],
    },
    conditions: {},
    mappings: template.Mappings,
    resources: {},
    declared: new Set(Object.keys(template.Resources)),
  };
  evaluateConditions(template, env);
  return env;
}

export function activeResources(template: Template, env: ResolveEnv): Set<string> {
  return new Set(Object.entries(template.Resources).filter(([, r]) => r.Condition === undefined || env.conditions[r.Condition] === true).map(([id]) => id));
}

function resolveProperties(props: Properties, env: ResolveEnv): Properties {
  const resolved = resolveValue(props, env);
  return resolved === NO_VALUE || !isObject(resolved) ? {} : resolved;
}

const HANDLER_CODES: Record<string, string> = {
  AccessDeniedException: "AccessDenied",
  AccessDenied: "AccessDenied",
  NotFoundException: "NotFound",
  NoSuchEntity: "NotFound",
  ResourceNotFoundException: "NotFound",
  AlreadyExistsException: "AlreadyExists",
  EntityAlreadyExists: "AlreadyExists",
  ResourceAlreadyExistsException: "AlreadyExists",
  LimitExceeded: "ServiceLimitExceeded",
};

/** The SDK service name CloudFormation's handlers report, from the resource type (`AWS::IAM::Role` → Iam). */
function serviceName(resourceType: string | undefined): string {
  const namespace = resourceType?.split("::")[1] ?? "KMS";
  if (namespace === "Logs") return "CloudWatchLogs";
  return namespace.charAt(0) + namespace.slice(1).toLowerCase();
}

/** CloudFormation's wording for a failed resource handler. */
function handlerMessage(error: unknown, requestId: string, resourceType?: string): string {
  if (!(error instanceof ServiceError)) return `Internal failure. (${error instanceof Error ? error.message : String(error)})`;
  if (error.code === "ValidationError") return error.message;
  const handlerCode = HANDLER_CODES[error.code] ?? (error.status >= 500 ? "ServiceInternalError" : error.code.includes("Throttl") ? "Throttling" : "InvalidRequest");
  return `Resource handler returned message: "${error.message} (Service: ${serviceName(resourceType)}, Status Code: ${error.status}, Request ID: ${requestId})" (RequestToken: ${randomUUID()}, HandlerErrorCode: ${handlerCode})`;
}

export class StackRunner {
  constructor(
    private readonly deps: EngineDeps,
    private readonly stack: Stack,
    private readonly ctx: CallContext,
  ) {}

  private event(logicalId: string, physicalId: string, resourceType: string, status: string, reason?: string, properties?: Properties): void {
    const e = {
      eventId: randomUUID(),
      logicalId,
      physicalId,
      resourceType,
      status,
      timestamp: this.deps.now().toISOString(),
      ...(reason === undefined ? {} : { reason }),
      ...(properties === undefined ? {} : { properties: JSON.stringify(properties) }),
    };
    this.stack.events.push(e);
  }

  private stackEvent(status: Stack["status"], reason?: string): void {
    this.stack.status = status;
    if (reason === undefined) delete this.stack.statusReason;
    else this.stack.statusReason = reason;
    this.event(this.stack.stackName, this.stack.stackId, "AWS::CloudFormation::Stack", status, reason);
  }

  private provider(type: string): ResourceProvider {
    const p = this.deps.providers[type];
    if (!p) throw new ServiceError("ValidationError", `Template format error: Unrecognized resource types: [${type}]`, 400);
    return p;
  }

  private async deleteResource(resource: StackResource, policy: string | undefined): Promise<void> {
    if (policy === "Retain" || policy === "RetainExceptOnCreate") {
      this.event(resource.logicalId, resource.physicalId, resource.type, "DELETE_SKIPPED");
      return;
    }
    this.event(resource.logicalId, resource.physicalId, resource.type, "DELETE_IN_PROGRESS");
    await this.provider(resource.type).delete(resource.physicalId, resource.properties, this.ctx);
    this.event(resource.logicalId, resource.physicalId, resource.type, "DELETE_COMPLETE");
  }

  /** Create or update the stack to `template` with `parameters`. Never throws for resource failures: it rolls back. */
  async deploy(template: Template, templateBody: string, parameters: StackParameter[], mode: "create" | "update"): Promise<void> {
    const stack = this.stack;
    const previous = {
      resources: stack.resources,
      templateBody: stack.templateBody,
      parameters: stack.parameters,
      outputs: stack.outputs,
      description: stack.description,
    };
    this.stackEvent(mode === "create" ? "CREATE_IN_PROGRESS" : "UPDATE_IN_PROGRESS", mode === "create" ? "User Initiated" : undefined);
    if (mode === "update") stack.lastUpdatedTime = this.deps.now().toISOString();

    const env = baseEnv(stack, template, parameters, this.ctx);
    const active = activeResources(template, env);
    const order = deploymentOrder(template, active);
    const next: Record<string, StackResource> = {};
    const created: StackResource[] = [];
    const updated: Array<{ before: StackResource; after: StackResource }> = [];
    const replaced: StackResource[] = [];
    let failed: { logicalId: string; reason: string } | undefined;

    for (const id of order) {
      const decl = template.Resources[id];
      if (!decl) continue;
      const existing = previous.resources[id];
      let props: Properties;
      try {
        props = resolveProperties(decl.Properties, env);
      } catch (error) {
        failed = { logicalId: id, reason: error instanceof Error ? error.message : String(error) };
        this.event(id, existing?.physicalId ?? "", decl.Type, existing ? "UPDATE_FAILED" : "CREATE_FAILED", failed.reason);
        break;
      }
      const provider = this.provider(decl.Type);
      const base = { logicalId: id, type: decl.Type, properties: props, deletionPolicy: decl.DeletionPolicy, updateReplacePolicy: decl.UpdateReplacePolicy };
      try {
        if (existing && existing.type === decl.Type && JSON.stringify(existing.properties) === JSON.stringify(props)) {
          next[id] = { ...existing, deletionPolicy: decl.DeletionPolicy, updateReplacePolicy: decl.UpdateReplacePolicy };
        } else if (existing && existing.type === decl.Type && !provider.replaceOn.some((k) => JSON.stringify(existing.properties[k]) !== JSON.stringify(props[k]))) {
          this.event(id, existing.physicalId, decl.Type, "UPDATE_IN_PROGRESS", undefined, props);
          const out = await provider.update(existing.physicalId, existing.properties, props, this.ctx);
          const after: StackResource = { ...base, physicalId: out.physicalId, attributes: out.attributes, status: "UPDATE_COMPLETE", timestamp: this.deps.now().toISOString() };
          next[id] = after;
          updated.push({ before: existing, after });
          this.event(id, out.physicalId, decl.Type, "UPDATE_COMPLETE");
        } else {
          if (existing) this.event(id, existing.physicalId, decl.Type, "UPDATE_IN_PROGRESS", "Requested update requires the creation of a new physical resource; hence creating one.");
          else this.event(id, "", decl.Type, "CREATE_IN_PROGRESS", undefined, props);
          const out = await provider.create(props, this.ctx, { logicalId: id, stackName: stack.stackName });
          const resource: StackResource = { ...base, physicalId: out.physicalId, attributes: out.attributes, status: existing ? "UPDATE_COMPLETE" : "CREATE_COMPLETE", timestamp: this.deps.now().toISOString() };
          next[id] = resource;
          created.push(resource);
          if (existing) replaced.push(existing);
          this.event(id, out.physicalId, decl.Type, existing ? "UPDATE_COMPLETE" : "CREATE_COMPLETE");
        }
      } catch (error) {
        failed = { logicalId: id, reason: handlerMessage(error, this.ctx.requestId, decl.Type) };
        this.event(id, existing?.physicalId ?? "", decl.Type, existing ? "UPDATE_FAILED" : "CREATE_FAILED", failed.reason);
        break;
      }
      const r = next[id];
      if (r) env.resources[id] = { physicalId: r.physicalId, attributes: r.attributes };
    }

    let outputs: Stack["outputs"] = [];
    if (!failed) {
      try {
        outputs = this.outputs(template, env);
      } catch (error) {
        failed = { logicalId: stack.stackName, reason: error instanceof Error ? error.message : String(error) };
      }
    }

    if (failed) {
      const what = mode === "create" ? "create" : "update";
      this.stackEvent(mode === "create" ? "ROLLBACK_IN_PROGRESS" : "UPDATE_ROLLBACK_IN_PROGRESS", `The following resource(s) failed to ${what}: [${failed.logicalId}]. ${mode === "create" ? "Rollback requested by user." : ""}`.trim());
      try {
        for (const u of [...updated].reverse()) {
          this.event(u.before.logicalId, u.before.physicalId, u.before.type, "UPDATE_IN_PROGRESS");
          await this.provider(u.before.type).update(u.before.physicalId, u.after.properties, u.before.properties, this.ctx);
          this.event(u.before.logicalId, u.before.physicalId, u.before.type, "UPDATE_COMPLETE");
        }
        for (const c of [...created].reverse()) await this.deleteResource(c, mode === "create" ? c.deletionPolicy : undefined);
        stack.resources = previous.resources;
        if (mode === "update") {
          stack.templateBody = previous.templateBody;
          stack.parameters = previous.parameters;
          stack.outputs = previous.outputs;
          if (previous.description === undefined) delete stack.description;
          else stack.description = previous.description;
        } else {
          stack.resources = {};
        }
        this.stackEvent(mode === "create" ? "ROLLBACK_COMPLETE" : "UPDATE_ROLLBACK_COMPLETE", mode === "create" ? undefined : undefined);
      } catch (error) {
        this.stackEvent(mode === "create" ? "ROLLBACK_FAILED" : "UPDATE_ROLLBACK_FAILED", handlerMessage(error, this.ctx.requestId));
      }
      return;
    }

    stack.resources = next;
    stack.templateBody = templateBody;
    stack.parameters = parameters;
    stack.outputs = outputs;
    if (template.Description === undefined) delete stack.description;
    else stack.description = template.Description;

    if (mode === "update") {
      this.stackEvent("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS");
      try {
        for (const old of [...replaced].reverse()) await this.deleteResource(old, old.updateReplacePolicy);
        const oldTemplate = safeParse(previous.templateBody);
        const removedIds = Object.keys(previous.resources).filter((id) => !next[id]);
        const removalOrder = oldTemplate ? deploymentOrder(oldTemplate, new Set(removedIds)).reverse() : removedIds;
        for (const id of removalOrder) {
          const old = previous.resources[id];
          if (old) await this.deleteResource(old, old.deletionPolicy);
        }
      } catch {
        // Cleanup failures leave the stack updated, as CloudFormation does.
      }
      this.stackEvent("UPDATE_COMPLETE");
    } else {
      this.stackEvent("CREATE_COMPLETE");
    }
  }

  async delete(): Promise<void> {
    const stack = this.stack;
    this.stackEvent("DELETE_IN_PROGRESS", "User Initiated");
    const template = safeParse(stack.templateBody);
    const ids = Object.keys(stack.resources);
    const order = template ? deploymentOrder(template, new Set(ids)).reverse() : ids;
    try {
      for (const id of order) {
        const r = stack.resources[id];
        if (!r) continue;
        await this.deleteResource(r, r.deletionPolicy);
        delete stack.resources[id];
      }
    } catch (error) {
      this.stackEvent("DELETE_FAILED", handlerMessage(error, this.ctx.requestId));
      return;
    }
    stack.deletionTime = this.deps.now().toISOString();
    this.stackEvent("DELETE_COMPLETE");
  }

  private outputs(template: Template, env: ResolveEnv): Stack["outputs"] {
    const out: Stack["outputs"] = [];
    for (const [key, decl] of Object.entries(template.Outputs)) {
      if (decl.Condition !== undefined && env.conditions[decl.Condition] !== true) continue;
      const value = resolveValue(decl.Value, env);
      if (value === NO_VALUE) continue;
      const entry: Stack["outputs"][number] = { OutputKey: key, OutputValue: Array.isArray(value) ? value.join(",") : typeof value === "string" ? value : JSON.stringify(value) };
      if (decl.Description) entry.Description = decl.Description;
      if (decl.ExportName !== undefined) {
        const name = resolveValue(decl.ExportName, env);
        if (typeof name === "string") entry.ExportName = name;
      }
      out.push(entry);
    }
    return out;
  }
}

function safeParse(body: string): Template | undefined {
  if (!body) return undefined;
  try {
    return parseTemplate(body);
  } catch {
    return undefined;
  }
}
