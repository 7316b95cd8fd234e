/**
 * CloudFormation templates: parsing (JSON, or YAML with the short-form `!Ref`/`!Sub`/… tags),
 * parameters, conditions and the intrinsic functions. Errors are CloudFormation's
 * `ValidationError` with its "Template format error" / "Template error" wording.
 */
import { YAMLMap, parse as parseYaml, type Tags } from "yaml";
import { ServiceError } from "../../errors";
import type { JsonValue, StackParameter } from "./model";

export interface ParameterDeclaration {
  Type: string;
  Default?: string;
  AllowedPattern?: string;
  AllowedValues?: string[];
  Description?: string;
  NoEcho: boolean;
  MinLength?: number;
  MaxLength?: number;
  ConstraintDescription?: string;
}

export interface ResourceDeclaration {
  Type: string;
  Properties: { [key: string]: JsonValue };
  Condition?: string;
  DependsOn: string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

export interface OutputDeclaration {
  Value: JsonValue;
  Description?: string;
  Condition?: string;
  ExportName?: JsonValue;
}

export interface Template {
  Description?: string;
  Parameters: Record<string, ParameterDeclaration>;
  Mappings: { [key: string]: JsonValue };
  Conditions: Record<string, JsonValue>;
  Resources: Record<string, ResourceDeclaration>;
  Outputs: Record<string, OutputDeclaration>;
  /** The parsed document, for "did anything change" comparisons. */
  raw: JsonValue;
}

export function templateError(message: string): ServiceError {
  return new ServiceError("ValidationError", message, 400);
}

const SHORT_FORMS = ["Base64", "Cidr", "FindInMap", "GetAtt", "GetAZs", "If", "ImportValue", "Join", "Select", "Split", "Sub", "Transform", "And", "Equals", "Not", "Or", "ToJsonString", "Length"];

/** `!Ref X` → `{ Ref: X }`, `!GetAtt A.B` → `{ "Fn::GetAtt": [A, B] }`, `!Sub …` → `{ "Fn::Sub": … }`… */
const customTags: Tags = [
  { tag: "!Ref", resolve: (value: string) => ({ Ref: value }) },
  { tag: "!Condition", resolve: (value: string) => ({ Condition: value }) },
  ...SHORT_FORMS.flatMap((fn) => {
    const name = `Fn::${fn}`;
    const wrap = (node: unknown) => {
      const map = new YAMLMap();
      map.set(name, node);
      return map;
    };
    return [
      { tag: `!${fn}`, resolve: (value: string) => ({ [name]: fn === "GetAtt" ? splitGetAtt(value) : value }) },
      { tag: `!${fn}`, collection: "seq" as const, resolve: wrap },
      { tag: `!${fn}`, collection: "map" as const, resolve: wrap },
    ];
  }),
];

function splitGetAtt(value: string): string[] {
  const dot = value.indexOf(".");
  return dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)];
}

function isObject(value: unknown): value is { [key: string]: JsonValue } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function toJsonValue(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (typeof value === "object") {
    const out: { [key: string]: JsonValue } = {};
    for (const [k, v] of Object.entries(value)) out[k] = toJsonValue(v);
    return out;
  }
  return String(value);
}

function scalarString(value: JsonValue | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

export function parseTemplate(body: string): Template {
  let doc: unknown;
  const trimmed = body.trim();
  try {
    doc = trimmed.startsWith("{") ? JSON.parse(trimmed) : parseYaml(body, { customTags, version: "1.1" });
  } catch (error) {
    throw templateError(`Template format error: ${trimmed.startsWith("{") ? "JSON" : "YAML"} not well-formed. (${error instanceof Error ? error.message.split("\n")[0] : "parse error"})`);
  }
  if (!isObject(toJsonValue(doc))) throw templateError("Template format error: At least one Resources member must be defined.");
  const raw = toJsonValue(doc);
  if (!isObject(raw)) throw templateError("Template format error: At least one Resources member must be defined.");
  const resourcesRaw = raw.Resources;
  if (!isObject(resourcesRaw) || Object.keys(resourcesRaw).length === 0) {
    throw templateError("Template format error: At least one Resources member must be defined.");
  }
  const parameters: Record<string, ParameterDeclaration> = {};
  for (const [name, decl] of Object.entries(isObject(raw.Parameters) ? raw.Parameters : {})) {
    if (!isObject(decl) || typeof decl.Type !== "string") throw templateError(`Template format error: Every Parameters object must contain a Type member.`);
    const p: ParameterDeclaration = { Type: decl.Type, NoEcho: decl.NoEcho === true || decl.NoEcho === "true" };
    const def = scalarString(decl.Default);
    if (def !== undefined) p.Default = def;
    if (typeof decl.AllowedPattern === "string") p.AllowedPattern = decl.AllowedPattern;
    if (Array.isArray(decl.AllowedValues)) p.AllowedValues = decl.AllowedValues.map((v) => scalarString(v) ?? "");
    if (typeof decl.Description === "string") p.Description = decl.Description;
    if (typeof decl.ConstraintDescription === "string") p.ConstraintDescription = decl.ConstraintDescription;
    if (decl.MinLength !== undefined) p.MinLength = Number(decl.MinLength);
    if (decl.MaxLength !== undefined) p.MaxLength = Number(decl.MaxLength);
    parameters[name] = p;
  }
  const resources: Record<string, ResourceDeclaration> = {};
  for (const [id, decl] of Object.entries(resourcesRaw)) {
    if (!/^[A-Za-z0-9]+$/.test(id)) throw templateError(`Template format error: Resource name ${id} is non alphanumeric.`);
    if (!isObject(decl) || typeof decl.Type !== "string") {
      throw templateError(`Template format error: [/Resources/${id}] Every Resources object must contain a Type member.`);
    }
    const r: ResourceDeclaration = {
      Type: decl.Type,
      Properties: isObject(decl.Properties) ? decl.Properties : {},
      DependsOn: typeof decl.DependsOn === "string" ? [decl.DependsOn] : Array.isArray(decl.DependsOn) ? decl.DependsOn.map((d) => String(d)) : [],
    };
    if (typeof decl.Condition === "string") r.Condition = decl.Condition;
    if (typeof decl.DeletionPolicy === "string") r.DeletionPolicy = decl.DeletionPolicy;
    if (typeof decl.UpdateReplacePolicy === "string") r.UpdateReplacePolicy = decl.UpdateReplacePolicy;
    resources[id] = r;
  }
  const outputs: Record<string, OutputDeclaration> = {};
  for (const [name, decl] of Object.entries(isObject(raw.Outputs) ? raw.Outputs : {})) {
    if (!isObject(decl) || decl.Value === undefined) throw templateError(`Template format error: Every Outputs member must contain a Value object`);
    const o: OutputDeclaration = { Value: decl.Value };
    if (typeof decl.Description === "string") o.Description = decl.Description;
    if (typeof decl.Condition === "string") o.Condition = decl.Condition;
    if (isObject(decl.Export) && decl.Export.Name !== undefined) o.ExportName = decl.Export.Name;
    outputs[name] = o;
  }
  const template: Template = {
    Parameters: parameters,
    Mappings: isObject(raw.Mappings) ? raw.Mappings : {},
    Conditions: isObject(raw.Conditions) ? raw.Conditions : {},
    Resources: resources,
    Outputs: outputs,
    raw,
  };
  if (typeof raw.Description === "string") template.Description = raw.Description;
  validateReferences(template);
  return template;
}

const PSEUDO = new Set(["AWS::AccountId", "AWS::Region", "AWS::StackName", "AWS::StackId", "AWS::Partition", "AWS::URLSuffix", "AWS::NoValue", "AWS::NotificationARNs"]);

/** Names referenced by Ref, GetAtt and Sub inside a value. */
export function referencedNames(value: JsonValue, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) referencedNames(v, out);
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k === "Ref" && typeof v === "string") out.add(v);
      else if (k === "Fn::GetAtt") {
        const target = Array.isArray(v) ? v[0] : typeof v === "string" ? splitGetAtt(v)[0] : undefined;
        if (typeof target === "string") out.add(target);
      } else if (k === "Fn::Sub") {
        const text = Array.isArray(v) ? v[0] : v;
        const vars = Array.isArray(v) && isObject(v[1]) ? v[1] : {};
        if (typeof text === "string") {
          for (const m of text.matchAll(/\$\{([^!}][^}]*)\}/g)) {
            const name = (m[1] ?? "").split(".")[0] ?? "";
            if (!(name in vars)) out.add(name);
          }
        }
        if (Array.isArray(v) && v[1] !== undefined) referencedNames(v[1], out);
      } else referencedNames(v, out);
    }
  }
  return out;
}

function validateReferences(template: Template): void {
  const known = new Set([...Object.keys(template.Parameters), ...Object.keys(template.Resources), ...PSEUDO]);
  const unresolved = new Set<string>();
  for (const [id, r] of Object.entries(template.Resources)) {
    for (const name of referencedNames(r.Properties)) if (!known.has(name)) unresolved.add(name);
    for (const dep of r.DependsOn) {
      if (!template.Resources[dep]) throw templateError(`Template format error: Unresolved resource dependencies [${dep}] in the Resources block of the template`);
    }
    if (r.Condition !== undefined && !(r.Condition in template.Conditions)) {
      throw templateError(`Template format error: Unresolved dependencies [${r.Condition}]. Cannot reference resources in the Conditions block of the template`);
    }
    void id;
  }
  for (const o of Object.values(template.Outputs)) for (const name of referencedNames(o.Value)) if (!known.has(name)) unresolved.add(name);
  if (unresolved.size > 0) {
    throw templateError(`Template format error: Unresolved resource dependencies [${[...unresolved].join(", ")}] in the Resources block of the template`);
  }
}

export interface GivenParameter {
  key: string;
  value?: string;
  usePreviousValue?: boolean;
}

/** Resolves parameter values: given, previous (UsePreviousValue), or Default; then checks constraints. */
export function resolveParameters(template: Template, given: GivenParameter[], previous: StackParameter[]): StackParameter[] {
  const unknown = given.filter((g) => !template.Parameters[g.key]).map((g) => g.key);
  if (unknown.length > 0) throw templateError(`Parameters: [${unknown.join(", ")}] do not exist in the template`);
  const missing: string[] = [];
  const out: StackParameter[] = [];
  for (const [key, decl] of Object.entries(template.Parameters)) {
    const g = given.find((p) => p.key === key);
    let value: string | undefined;
    if (g?.usePreviousValue) {
      const prev = previous.find((p) => p.key === key);
      if (!prev) throw templateError(`Invalid input for parameter key ${key}. Cannot specify usePreviousValue as true for a parameter key not in the previous template`);
      value = prev.value;
    } else if (g?.value !== undefined) value = g.value;
    else value = decl.Default;
    if (value === undefined) {
      missing.push(key);
      continue;
    }
    checkConstraints(key, decl, value);
    out.push({ key, value, noEcho: decl.NoEcho });
  }
  if (missing.length > 0) throw templateError(`Parameters: [${missing.join(", ")}] must have values`);
  return out;
}

function checkConstraints(key: string, decl: ParameterDeclaration, value: string): void {
  const fail = (what: string) => templateError(decl.ConstraintDescription ? `Parameter '${key}' failed to satisfy constraint: ${decl.ConstraintDescription}` : what);
  if (decl.AllowedValues && !decl.AllowedValues.includes(value)) throw fail(`Parameter '${key}' must be one of AllowedValues`);
  if (decl.AllowedPattern !== undefined) {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${decl.AllowedPattern})$`);
    } catch {
      throw templateError(`Template format error: Parameter '${key}' has an invalid AllowedPattern`);
    }
    if (!re.test(value)) throw fail(`Parameter '${key}' must match pattern ${decl.AllowedPattern}`);
  }
  if (decl.MinLength !== undefined && value.length < decl.MinLength) throw fail(`Parameter '${key}' must contain at least ${decl.MinLength} characters`);
  if (decl.MaxLength !== undefined && value.length > decl.MaxLength) throw fail(`Parameter '${key}' must contain at most ${decl.MaxLength} characters`);
  if (decl.Type === "Number" && (value.trim() === "" || !Number.isFinite(Number(value)))) throw templateError(`Parameter '${key}' must be a number.`);
}

export const NO_VALUE: unique symbol = Symbol("AWS::NoValue");
export type Resolved = JsonValue | typeof NO_VALUE;

export interface ResolveEnv {
  parameters: Record<string, string | string[]>;
  pseudo: Record<string, string | string[]>;
  conditions: Record<string, boolean>;
  mappings: { [key: string]: JsonValue };
  /** Resources deployed so far: Ref gives physicalId, GetAtt reads attributes. */
  resources: Record<string, { physicalId: string; attributes: Record<string, string> }>;
  /** Resources of the template (to tell "not deployed yet" from "unknown"). */
  declared: Set<string>;
}

function refValue(name: string, env: ResolveEnv): Resolved {
  if (name === "AWS::NoValue") return NO_VALUE;
  const pseudo = env.pseudo[name];
  if (pseudo !== undefined) return pseudo;
  const param = env.parameters[name];
  if (param !== undefined) return param;
  const resource = env.resources[name];
  if (resource) return resource.physicalId;
  if (env.declared.has(name)) throw templateError(`Template error: resource ${name} is not available yet or its creation was skipped because of its condition`);
  throw templateError(`Template format error: Unresolved resource dependencies [${name}] in the Resources block of the template`);
}

function getAtt(target: string, attribute: string, env: ResolveEnv): string {
  const resource = env.resources[target];
  if (!resource) {
    if (env.declared.has(target)) throw templateError(`Template error: resource ${target} is not available for Fn::GetAtt`);
    throw templateError(`Template error: instance of Fn::GetAtt references undefined resource ${target}`);
  }
  const value = resource.attributes[attribute];
  if (value === undefined) throw templateError(`Template error: resource ${target} does not support attribute type ${attribute} in Fn::GetAtt`);
  return value;
}

function asString(value: Resolved, fn: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw templateError(`Template error: every ${fn} object requires string parameters`);
}

function asList(value: Resolved, fn: string): JsonValue[] {
  if (Array.isArray(value)) return value;
  throw templateError(`Template error: ${fn} requires a list`);
}

export function evaluateCondition(value: JsonValue, env: ResolveEnv, seen: Set<string> = new Set()): boolean {
  if (isObject(value)) {
    const [fn, arg] = Object.entries(value)[0] ?? [];
    if (fn === "Condition" && typeof arg === "string") {
      if (seen.has(arg)) throw templateError(`Template error: circular condition dependency on ${arg}`);
      const cached = env.conditions[arg];
      if (cached !== undefined) return cached;
      throw templateError(`Template format error: Unresolved condition dependency ${arg} in Fn::If`);
    }
    if (fn === "Fn::Equals" && Array.isArray(arg) && arg.length === 2) {
      const a = resolveValue(arg[0] ?? null, env);
      const b = resolveValue(arg[1] ?? null, env);
      return JSON.stringify(a === NO_VALUE ? null : typeof a === "number" ? String(a) : a) === JSON.stringify(b === NO_VALUE ? null : typeof b === "number" ? String(b) : b);
    }
    if (fn === "Fn::Not" && Array.isArray(arg) && arg.length === 1) return !evaluateCondition(arg[0] ?? null, env, seen);
    if (fn === "Fn::And" && Array.isArray(arg) && arg.length >= 2) return arg.every((c) => evaluateCondition(c, env, seen));
    if (fn === "Fn::Or" && Array.isArray(arg) && arg.length >= 2) return arg.some((c) => evaluateCondition(c, env, seen));
  }
  throw templateError("Template error: condition functions must be Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition");
}

export function evaluateConditions(template: Template, env: ResolveEnv): Record<string, boolean> {
  const pending = new Map(Object.entries(template.Conditions));
  // Conditions may refer to one another; evaluate until a fixpoint.
  const rounds = pending.size + 1;
  for (let round = 0; pending.size > 0 && round < rounds; round += 1) {
    for (const [name, expr] of pending) {
      try {
        env.conditions[name] = evaluateCondition(expr, env);
        pending.delete(name);
      } catch (error) {
        if (!(error instanceof ServiceError) || !error.message.includes("Unresolved condition dependency")) throw error;
      }
    }
  }
  if (pending.size > 0) throw templateError(`Template format error: Unresolved condition dependencies [${[...pending.keys()].join(", ")}]`);
  return env.conditions;
}

export function resolveValue(value: JsonValue, env: ResolveEnv): Resolved {
  if (Array.isArray(value)) {
    return value.map((v) => resolveValue(v, env)).filter((v): v is JsonValue => v !== NO_VALUE);
  }
  if (!isObject(value)) return value;
  const entries = Object.entries(value);
  if (entries.length === 1) {
    const [fn, arg] = entries[0] ?? ["", null];
    switch (fn) {
      case "Ref":
        return refValue(asString(arg, "Ref"), env);
      case "Fn::GetAtt": {
        const parts = typeof arg === "string" ? splitGetAtt(arg) : asList(arg, "Fn::GetAtt").map((p) => asString(resolveValue(p, env), "Fn::GetAtt"));
        return getAtt(parts[0] ?? "", parts[1] ?? "", env);
      }
      case "Fn::Join": {
        const [delimiter, list] = asList(arg, "Fn::Join");
        const items = asList(resolveValue(list ?? [], env), "Fn::Join");
        return items.map((i) => asString(i, "Fn::Join")).join(asString(delimiter ?? "", "Fn::Join"));
      }
      case "Fn::Sub":
        return substitute(arg, env);
      case "Fn::If": {
        const [cond, whenTrue, whenFalse] = asList(arg, "Fn::If");
        const name = asString(cond ?? "", "Fn::If");
        const known = env.conditions[name];
        if (known === undefined) throw templateError(`Template format error: Unresolved condition dependency ${name} in Fn::If`);
        return resolveValue((known ? whenTrue : whenFalse) ?? null, env);
      }
      case "Fn::Select": {
        const [index, list] = asList(arg, "Fn::Select");
        const items = asList(resolveValue(list ?? [], env), "Fn::Select");
        const i = Number(asString(resolveValue(index ?? 0, env), "Fn::Select"));
        const item = items[i];
        if (!Number.isInteger(i) || item === undefined) throw templateError("Template error: Fn::Select cannot select nonexistent value at index " + String(i));
        return item;
      }
      case "Fn::Split": {
        const [delimiter, source] = asList(arg, "Fn::Split");
        return asString(resolveValue(source ?? "", env), "Fn::Split").split(asString(delimiter ?? "", "Fn::Split"));
      }
      case "Fn::Base64":
        return Buffer.from(asString(resolveValue(arg, env), "Fn::Base64")).toString("base64");
      case "Fn::GetAZs": {
        const region = asString(resolveValue(arg, env), "Fn::GetAZs") || String(env.pseudo["AWS::Region"] ?? "");
        return [`${region}a`, `${region}b`, `${region}c`];
      }
      case "Fn::FindInMap": {
        const [map, top, second] = asList(arg, "Fn::FindInMap").map((p) => asString(resolveValue(p, env), "Fn::FindInMap"));
        const m = env.mappings[map ?? ""];
        const t = isObject(m) ? m[top ?? ""] : undefined;
        const v = isObject(t) ? t[second ?? ""] : undefined;
        if (v === undefined) throw templateError(`Template error: Unable to get mapping for ${map}::${top}::${second}`);
        return v;
      }
      case "Fn::ToJsonString": {
        const resolved = resolveValue(arg, env);
        return JSON.stringify(resolved === NO_VALUE ? null : resolved);
      }
      case "Condition":
        break;
      default:
        if (fn.startsWith("Fn::")) throw templateError(`Template format error: Unsupported intrinsic function ${fn}`);
    }
  }
  const out: { [key: string]: JsonValue } = {};
  for (const [k, v] of entries) {
    const r = resolveValue(v, env);
    if (r !== NO_VALUE) out[k] = r;
  }
  return out;
}

function substitute(arg: JsonValue, env: ResolveEnv): string {
  let text: string;
  let vars: Record<string, Resolved> = {};
  if (typeof arg === "string") text = arg;
  else if (Array.isArray(arg) && typeof arg[0] === "string") {
    text = arg[0];
    const varDecl = arg[1];
    if (isObject(varDecl)) {
      vars = {};
      for (const [k, v] of Object.entries(varDecl)) vars[k] = resolveValue(v, env);
    }
  } else throw templateError("Template error: One or more Fn::Sub intrinsic functions don't specify expected arguments. Specify a string as first argument, and an optional second argument to specify a mapping of values to replace in the string");
  return text.replace(/\$\{([^}]*)\}/g, (whole, inner: string) => {
    if (inner.startsWith("!")) return `\${${inner.slice(1)}}`;
    const name = inner.trim();
    if (name in vars) return asString(vars[name] ?? "", "Fn::Sub");
    const dot = name.indexOf(".");
    if (dot > 0 && !name.startsWith("AWS::")) return getAtt(name.slice(0, dot), name.slice(dot + 1), env);
    const value = refValue(name, env);
    if (Array.isArray(value)) return value.join(",");
    return value === NO_VALUE ? whole : asString(value, "Fn::Sub");
  });
}

/** Topological order of the resources (Ref/GetAtt/Sub/DependsOn edges); throws on cycles. */
export function deploymentOrder(template: Template, active: Set<string>): string[] {
  const order: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (id: string, path: string[]) => {
    if (state.get(id) === "done") return;
    if (state.get(id) === "visiting") throw templateError(`Circular dependency between resources: [${[...path, id].join(", ")}]`);
    state.set(id, "visiting");
    const decl = template.Resources[id];
    if (decl) {
      const deps = new Set([...referencedNames(decl.Properties), ...decl.DependsOn]);
      for (const dep of deps) if (template.Resources[dep] && active.has(dep)) visit(dep, [...path, id]);
    }
    state.set(id, "done");
    order.push(id);
  };
  for (const id of Object.keys(template.Resources).sort()) if (active.has(id)) visit(id, []);
  return order;
}
