import { parseDocument, type CollectionTag, type ScalarTag, type YAMLMap, type YAMLSeq } from "yaml";

/**
 * Test support: reads a CloudFormation YAML template back the way CloudFormation does (short-form
 * tags to the JSON form), and a small evaluator for Parameters, Conditions, Ref, GetAtt, Sub and
 * If. Written independently of template.ts so that it can disagree with it.
 */

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isJsonObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function toJson(value: unknown, path: string): Json {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`${path}: not a finite number`);
    return value;
  }
  if (Array.isArray(value)) return value.map((item, index) => toJson(item, `${path}[${index}]`));
  if (typeof value === "object") {
    const result: JsonObject = {};
    for (const [key, inner] of Object.entries(value)) result[key] = toJson(inner, `${path}.${key}`);
    return result;
  }
  throw new Error(`${path}: ${typeof value} is not JSON (a date or other YAML-only type?)`);
}

const scalarFunction = (tag: string, name: string, split?: (text: string) => Json): ScalarTag => ({
  tag,
  resolve: (text: string) => ({ [name]: split === undefined ? text : split(text) }),
});
const listFunction = (tag: string, name: string): CollectionTag => ({
  tag,
  collection: "seq",
  resolve: (seq: YAMLSeq.Parsed | YAMLMap.Parsed) => ({ [name]: seq.toJSON() as unknown }),
});

/** Every short form CloudFormation knows, so that none is silently read as a plain string. */
const cloudFormationTags = [
  scalarFunction("!Ref", "Ref"),
  scalarFunction("!Sub", "Fn::Sub"),
  listFunction("!Sub", "Fn::Sub"),
  scalarFunction("!GetAtt", "Fn::GetAtt", (text) => {
    const dot = text.indexOf(".");
    return dot === -1 ? [text] : [text.slice(0, dot), text.slice(dot + 1)];
  }),
  listFunction("!GetAtt", "Fn::GetAtt"),
  scalarFunction("!Condition", "Condition"),
  scalarFunction("!Base64", "Fn::Base64"),
  scalarFunction("!GetAZs", "Fn::GetAZs"),
  scalarFunction("!ImportValue", "Fn::ImportValue"),
  ...["If", "Equals", "Not", "And", "Or", "Join", "Select", "Split", "FindInMap", "Cidr"].map((name) => listFunction(`!${name}`, `Fn::${name}`)),
];

/** Parses CloudFormation YAML; any YAML error or warning (e.g. an unknown tag) fails. */
export function parseCloudFormationYaml(text: string, version: "1.1" | "1.2"): JsonObject {
  const doc = parseDocument(text, { customTags: cloudFormationTags, version, uniqueKeys: true });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) throw new Error(problems.map((problem) => problem.message).join("\n"));
  const result = toJson(doc.toJS({ maxAliasCount: 0 }), "$");
  if (!isJsonObject(result)) throw new Error("The template is not a mapping");
  return result;
}

// ---------------------------------------------------------------------------------------------

export const PSEUDO_PARAMETERS = [
  "AWS::AccountId",
  "AWS::NotificationARNs",
  "AWS::NoValue",
  "AWS::Partition",
  "AWS::Region",
  "AWS::StackId",
  "AWS::StackName",
  "AWS::URLSuffix",
];

export interface Reference {
  kind: "Ref" | "GetAtt" | "Sub" | "Condition";
  target: string;
  attribute?: string;
  path: string;
}

/** The variables of a `Fn::Sub` string: `${Name}` and `${Resource.Attribute}`, skipping `${!Literal}`. */
export function subVariables(text: string): string[] {
  return [...text.matchAll(/\$\{([^}]*)\}/g)].map((match) => match[1] ?? "").filter((name) => !name.startsWith("!"));
}

/** Every reference in a template section, in all branches of every `Fn::If`. */
export function collectReferences(value: Json, path: string, into: Reference[] = []): Reference[] {
  if (Array.isArray(value)) {
    value.forEach((item, index) => collectReferences(item, `${path}[${index}]`, into));
    return into;
  }
  if (!isJsonObject(value)) return into;
  const keys = Object.keys(value);
  const only = keys.length === 1 ? keys[0] : undefined;
  const argument = only === undefined ? undefined : value[only];
  if (only === "Ref" && typeof argument === "string") {
    into.push({ kind: "Ref", target: argument, path });
    return into;
  }
  if (only === "Fn::GetAtt" && Array.isArray(argument)) {
    const [target, attribute] = argument;
    into.push({ kind: "GetAtt", target: String(target), attribute: String(attribute), path });
    return into;
  }
  if (only === "Fn::Sub") {
    const [text, variables] = typeof argument === "string" ? [argument, {}] : Array.isArray(argument) ? argument : [undefined, {}];
    const local = isJsonObject(variables) ? variables : {};
    if (typeof text !== "string") throw new Error(`${path}: Fn::Sub needs a string`);
    for (const name of subVariables(text)) {
      if (name in local) continue;
      const dot = name.indexOf(".");
      into.push(
        dot === -1
          ? { kind: "Sub", target: name, path }
          : { kind: "Sub", target: name.slice(0, dot), attribute: name.slice(dot + 1), path },
      );
    }
    Object.entries(local).forEach(([name, inner]) => collectReferences(inner, `${path}.${name}`, into));
    return into;
  }
  if (only === "Fn::If" && Array.isArray(argument) && typeof argument[0] === "string") {
    into.push({ kind: "Condition", target: argument[0], path });
    argument.slice(1).forEach((item, index) => collectReferences(item, `${path}.Fn::If[${index + 1}]`, into));
    return into;
  }
  if (only === "Condition" && typeof argument === "string") {
    into.push({ kind: "Condition", target: argument, path });
    return into;
  }
  for (const [key, inner] of Object.entries(value)) collectReferences(inner, `${path}.${key}`, into);
  return into;
}

// ---------------------------------------------------------------------------------------------

export interface Deployment {
  parameters: Record<string, string>;
  conditions: Record<string, boolean>;
  resources: Record<string, { Type: string; Properties: JsonObject }>;
  outputs: Record<string, Json>;
}

export interface DeployOptions {
  parameterOverrides: Record<string, string>;
  pseudo: { accountId: string; region: string; partition: string; stackName: string };
  /** Physical ids and attributes of created resources, e.g. `{ S3Key: { Ref: "…", Arn: "arn:…" } }`. */
  created: Record<string, Record<string, string>>;
}

const NO_VALUE = Symbol("AWS::NoValue");
type Resolved = Json | typeof NO_VALUE;

/**
 * Evaluates a template as CloudFormation would for one set of parameter values: parameter
 * defaults and AllowedPattern, conditions, and every intrinsic. Throws on anything unresolved.
 */
export function deployTemplate(template: JsonObject, options: DeployOptions): Deployment {
  const parameterSection = template.Parameters;
  if (!isJsonObject(parameterSection)) throw new Error("No Parameters section");
  const parameters: Record<string, string> = {};
  for (const [name, definition] of Object.entries(parameterSection)) {
    if (!isJsonObject(definition)) throw new Error(`Parameter ${name} is not a mapping`);
    const value = options.parameterOverrides[name] ?? definition.Default;
    if (typeof value !== "string") throw new Error(`Parameter ${name} has no value`);
    const pattern = definition.AllowedPattern;
    if (typeof pattern === "string" && !new RegExp(`^(?:${pattern})$`).test(value)) {
      throw new Error(`Parameter ${name} failed to satisfy constraint: ${String(definition.ConstraintDescription)}`);
    }
    parameters[name] = value;
  }
  for (const name of Object.keys(options.parameterOverrides)) {
    if (!(name in parameters)) throw new Error(`Parameters: [${name}] do not exist in the template`);
  }
  const pseudo: Record<string, string> = {
    "AWS::AccountId": options.pseudo.accountId,
    "AWS::Region": options.pseudo.region,
    "AWS::Partition": options.pseudo.partition,
    "AWS::StackName": options.pseudo.stackName,
    "AWS::URLSuffix": "amazonaws.com",
  };

  const conditionSection = isJsonObject(template.Conditions) ? template.Conditions : {};
  const conditions: Record<string, boolean> = {};
  const evaluating = new Set<string>();
  const condition = (name: string): boolean => {
    const known = conditions[name];
    if (known !== undefined) return known;
    const definition = conditionSection[name];
    if (definition === undefined) throw new Error(`Unknown condition ${name}`);
    if (evaluating.has(name)) throw new Error(`Circular condition ${name}`);
    evaluating.add(name);
    const result = conditionValue(definition);
    conditions[name] = result;
    return result;
  };
  const conditionValue = (value: Json): boolean => {
    if (!isJsonObject(value)) throw new Error(`Not a condition: ${JSON.stringify(value)}`);
    const [name] = Object.keys(value);
    const argument = name === undefined ? undefined : value[name];
    if (name === "Condition" && typeof argument === "string") return condition(argument);
    if (!Array.isArray(argument)) throw new Error(`Not a condition: ${JSON.stringify(value)}`);
    if (name === "Fn::Equals") {
      const [left, right] = argument.map((item) => resolve(item, "Conditions"));
      return JSON.stringify(left) === JSON.stringify(right);
    }
    if (name === "Fn::Not" && argument.length === 1 && argument[0] !== undefined) return !conditionValue(argument[0]);
    if (name === "Fn::And") return argument.every(conditionValue);
    if (name === "Fn::Or") return argument.some(conditionValue);
    throw new Error(`Unsupported condition function ${String(name)}`);
  };

  const resourceSection = template.Resources;
  if (!isJsonObject(resourceSection)) throw new Error("No Resources section");
  const attribute = (logicalId: string, name: string, path: string): string => {
    const value = options.created[logicalId]?.[name];
    if (value === undefined) throw new Error(`${path}: ${logicalId}.${name} does not resolve`);
    return value;
  };
  const reference = (name: string, path: string): string | typeof NO_VALUE => {
    if (name === "AWS::NoValue") return NO_VALUE;
    const value = parameters[name] ?? pseudo[name];
    if (value !== undefined) return value;
    if (name in resourceSection) return attribute(name, "Ref", path);
    throw new Error(`${path}: Ref ${name} does not resolve`);
  };
  const resolve = (value: Json, path: string): Resolved => {
    if (Array.isArray(value)) {
      return value.map((item, index) => resolve(item, `${path}[${index}]`)).filter((item): item is Json => item !== NO_VALUE);
    }
    if (!isJsonObject(value)) return value;
    const keys = Object.keys(value);
    const name = keys.length === 1 ? keys[0] : undefined;
    const argument = name === undefined ? undefined : value[name];
    if (name === "Ref" && typeof argument === "string") return reference(argument, path);
    if (name === "Fn::GetAtt" && Array.isArray(argument) && argument.length === 2) {
      return attribute(String(argument[0]), String(argument[1]), path);
    }
    if (name === "Fn::Sub" && typeof argument === "string") {
      return argument.replace(/\$\{([^}]*)\}/g, (whole, variable: string) => {
        if (variable.startsWith("!")) return `\${${variable.slice(1)}}`;
        const dot = variable.indexOf(".");
        if (dot !== -1) return attribute(variable.slice(0, dot), variable.slice(dot + 1), path);
        const resolved = reference(variable, path);
        if (resolved === NO_VALUE) throw new Error(`${path}: AWS::NoValue inside Fn::Sub`);
        return resolved;
      });
    }
    if (name === "Fn::If" && Array.isArray(argument) && argument.length === 3) {
      const [conditionName, whenTrue, whenFalse] = argument;
      if (typeof conditionName !== "string" || whenTrue === undefined || whenFalse === undefined) throw new Error(`${path}: malformed Fn::If`);
      return condition(conditionName) ? resolve(whenTrue, path) : resolve(whenFalse, path);
    }
    if (name === "Fn::Join" && Array.isArray(argument) && argument.length === 2 && typeof argument[0] === "string") {
      const list = argument[1] === undefined ? [] : resolve(argument[1], path);
      if (!Array.isArray(list)) throw new Error(`${path}: Fn::Join needs a list`);
      return list.map((item) => String(item)).join(argument[0]);
    }
    if (name !== undefined && (name.startsWith("Fn::") || name === "Ref")) throw new Error(`${path}: unsupported ${name}`);
    const result: JsonObject = {};
    for (const [key, inner] of Object.entries(value)) {
      const resolved = resolve(inner, `${path}.${key}`);
      if (resolved !== NO_VALUE) result[key] = resolved;
    }
    return result;
  };

  Object.keys(conditionSection).forEach(condition);
  const resources: Deployment["resources"] = {};
  for (const [logicalId, definition] of Object.entries(resourceSection)) {
    if (!isJsonObject(definition) || typeof definition.Type !== "string") throw new Error(`Resource ${logicalId} has no Type`);
    if (typeof definition.Condition === "string" && !condition(definition.Condition)) continue;
    const properties = resolve(definition.Properties ?? {}, `Resources.${logicalId}.Properties`);
    if (properties === NO_VALUE || !isJsonObject(properties)) throw new Error(`Resource ${logicalId} has no Properties mapping`);
    resources[logicalId] = { Type: definition.Type, Properties: properties };
  }
  const outputs: Record<string, Json> = {};
  const outputSection = isJsonObject(template.Outputs) ? template.Outputs : {};
  for (const [name, definition] of Object.entries(outputSection)) {
    if (!isJsonObject(definition) || definition.Value === undefined) throw new Error(`Output ${name} has no Value`);
    if (typeof definition.Condition === "string" && !condition(definition.Condition)) continue;
    const value = resolve(definition.Value, `Outputs.${name}`);
    if (value === NO_VALUE) throw new Error(`Output ${name} is AWS::NoValue`);
    outputs[name] = value;
  }
  return { parameters, conditions, resources, outputs };
}
