/**
 * Compares what the sandbox put on the wire with the SDK's model of the operation's output:
 * every member present must exist in the model with its type, required members must be there,
 * and enum members must hold one of the model's values. Each protocol is read as the SDK reads
 * it: awsJson1_1 bodies (KMS, Logs), awsQuery XML (STS, RDS, IAM, CloudFormation), and S3's
 * REST-XML headers and body.
 */
import type { NormalizedSchema } from "@smithy/core/schema";
import type { ServiceModel } from "./sdk-models";
import { type XmlNode, parseXmlStrict } from "./xml-tree";

export interface RawResponse {
  status: number;
  /** Names lower-cased. */
  headers: Record<string, string>;
  body: Buffer;
}

export type Protocol = "json" | "query" | "rest-xml";

type TimestampFormat = "date-time" | "http-date" | "epoch-seconds";

interface Walk {
  model: ServiceModel;
  problems: string[];
  /** The timestamp format a protocol uses where the model does not name one. */
  timestamps: TimestampFormat;
}

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;
const HTTP_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const NUMBER = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Headers that are HTTP's or the SDK's response metadata, not output members. */
const METADATA_HEADERS = new Set(["x-amz-request-id", "x-amz-id-2", "x-amzn-requestid"]);

function timestampFormat(schema: NormalizedSchema, fallback: TimestampFormat): TimestampFormat {
  const code = schema.getSchema();
  if (code === 5) return "date-time";
  if (code === 6) return "http-date";
  if (code === 7) return "epoch-seconds";
  const format = schema.getMergedTraits().timestampFormat;
  return format === "date-time" || format === "http-date" || format === "epoch-seconds" ? format : fallback;
}

function kind(schema: NormalizedSchema): string {
  if (schema.isUnitSchema()) return "unit";
  if (schema.isStructSchema()) return "structure";
  if (schema.isListSchema()) return "list";
  if (schema.isMapSchema()) return "map";
  if (schema.isTimestampSchema()) return "timestamp";
  if (schema.isBlobSchema()) return "blob";
  if (schema.isBooleanSchema()) return "boolean";
  if (schema.isNumericSchema() || schema.isBigIntegerSchema() || schema.isBigDecimalSchema()) return "number";
  if (schema.isDocumentSchema()) return "document";
  return "string";
}

/** Checks a scalar as text (XML element text or a header value). */
function checkScalarText(walk: Walk, text: string, schema: NormalizedSchema, at: string, allowed: readonly string[] | undefined, fallback: TimestampFormat): void {
  const type = kind(schema);
  const bad = (what: string): void => {
    walk.problems.push(`${at}: ${JSON.stringify(text)} is not ${what}`);
  };
  if (type === "number" && !NUMBER.test(text)) bad("a number");
  else if (type === "boolean" && text !== "true" && text !== "false") bad("a boolean");
  else if (type === "blob" && !BASE64.test(text)) bad("base64");
  else if (type === "timestamp") {
    const format = timestampFormat(schema, fallback);
    if (format === "date-time" && !ISO_DATE_TIME.test(text)) bad("an ISO 8601 date-time");
    if (format === "http-date" && !HTTP_DATE.test(text)) bad("an HTTP date");
    if (format === "epoch-seconds" && !NUMBER.test(text)) bad("epoch seconds");
  } else if (type === "string" && allowed && !allowed.includes(text)) {
    walk.problems.push(`${at}: ${JSON.stringify(text)} is not one of the model's values`);
  } else if (type === "structure" || type === "list" || type === "map") bad(`a ${type}`);
}

function checkRequired(walk: Walk, present: Set<string>, schema: NormalizedSchema, at: string): void {
  for (const name of walk.model.requiredMembers(schema)) {
    if (!present.has(name)) walk.problems.push(`${at}: required member ${name} is missing`);
  }
}

// ---- awsJson1_1 -------------------------------------------------------------------------------

function checkJson(walk: Walk, value: unknown, schema: NormalizedSchema, at: string, allowed?: readonly string[]): void {
  const type = kind(schema);
  const bad = (what: string): void => {
    walk.problems.push(`${at}: ${JSON.stringify(value)} is not ${what}`);
  };
  switch (type) {
    case "unit":
      // An operation without output answers an empty object.
      if (typeof value !== "object" || value === null || Object.keys(value).length > 0) bad("an empty object");
      return;
    case "structure": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return bad("an object");
      const members = new Map<string, [string, NormalizedSchema]>();
      for (const [name, member] of schema.structIterator()) members.set(String(member.getMergedTraits().jsonName ?? name), [name, member]);
      const present = new Set<string>();
      for (const [key, child] of Object.entries(value)) {
        const found = members.get(key);
        if (!found) {
          walk.problems.push(`${at}.${key}: not a member of ${schema.getName() ?? "the structure"} in the model`);
          continue;
        }
        present.add(found[0]);
        checkJson(walk, child, found[1], `${at}.${key}`, walk.model.enumOf(schema.getName() ?? "", found[0]));
      }
      return checkRequired(walk, present, schema, at);
    }
    case "list":
      if (!Array.isArray(value)) return bad("a list");
      value.forEach((item, i) => checkJson(walk, item, schema.getValueSchema(), `${at}[${i}]`, allowed));
      return;
    case "map":
      if (typeof value !== "object" || value === null || Array.isArray(value)) return bad("a map");
      for (const [key, item] of Object.entries(value)) checkJson(walk, item, schema.getValueSchema(), `${at}{${key}}`, allowed);
      return;
    case "number":
      if (typeof value !== "number") bad("a number");
      return;
    case "boolean":
      if (typeof value !== "boolean") bad("a boolean");
      return;
    case "timestamp":
      // awsJson sends timestamps as epoch seconds unless the model says otherwise.
      if (timestampFormat(schema, "epoch-seconds") === "epoch-seconds" ? typeof value !== "number" : typeof value !== "string") bad("a timestamp");
      return;
    case "document":
      return;
    default:
      if (typeof value !== "string") return bad(type === "blob" ? "base64 text" : "a string");
      checkScalarText(walk, value, schema, at, allowed, "epoch-seconds");
  }
}

// ---- XML (awsQuery results and S3 bodies) ------------------------------------------------------

function xmlNameOf(member: NormalizedSchema, fallback: string): string {
  const name = member.getMergedTraits().xmlName;
  return typeof name === "string" ? name : fallback;
}

function checkXmlStructure(walk: Walk, node: XmlNode, schema: NormalizedSchema, at: string, skip?: (member: NormalizedSchema) => boolean): void {
  if (node.text.trim() !== "" && node.children.length > 0) walk.problems.push(`${at}: mixed text and elements`);
  const members = new Map<string, [string, NormalizedSchema]>();
  for (const [name, member] of schema.structIterator()) {
    if (skip?.(member) || member.getMergedTraits().xmlAttribute) continue;
    members.set(xmlNameOf(member, name), [name, member]);
  }
  const present = new Set<string>();
  const seen = new Map<string, number>();
  for (const child of node.children) {
    const found = members.get(child.name);
    const path = `${at}.${child.name}`;
    if (!found) {
      walk.problems.push(`${path}: not a member of ${schema.getName() ?? "the structure"} in the model`);
      continue;
    }
    const [name, member] = found;
    present.add(name);
    const count = (seen.get(child.name) ?? 0) + 1;
    seen.set(child.name, count);
    const allowed = walk.model.enumOf(schema.getName() ?? "", name);
    if (member.isListSchema() && member.getMergedTraits().xmlFlattened) {
      checkXml(walk, child, member.getValueSchema(), `${path}[${count - 1}]`, allowed);
      continue;
    }
    if (count > 1) walk.problems.push(`${path}: appears ${count} times but is not a list`);
    checkXml(walk, child, member, path, allowed);
  }
  // With some members carried elsewhere (S3 headers), the caller checks the required ones.
  if (!skip) checkRequired(walk, present, schema, at);
}

function checkXml(walk: Walk, node: XmlNode, schema: NormalizedSchema, at: string, allowed?: readonly string[]): void {
  const type = kind(schema);
  if (type === "structure") return checkXmlStructure(walk, node, schema, at);
  if (type === "list") {
    const item = schema.getValueSchema();
    const itemName = xmlNameOf(item, "member");
    node.children.forEach((child, i) => {
      if (child.name !== itemName) walk.problems.push(`${at}.${child.name}: list items are <${itemName}> in the model`);
      else checkXml(walk, child, item, `${at}[${i}]`, allowed);
    });
    if (node.children.length === 0 && node.text.trim() !== "") walk.problems.push(`${at}: text in a list`);
    return;
  }
  if (type === "map") {
    for (const entry of node.children) {
      const value = entry.children.find((c) => c.name === xmlNameOf(schema.getValueSchema(), "value"));
      if (entry.name !== "entry" || !value) walk.problems.push(`${at}: map entries are <entry><key/><value/></entry> in the model`);
      else checkXml(walk, value, schema.getValueSchema(), `${at}{}`, allowed);
    }
    return;
  }
  if (node.children.length > 0) {
    walk.problems.push(`${at}: has elements but is a ${type} in the model`);
    return;
  }
  checkScalarText(walk, node.text, schema, at, allowed, walk.timestamps);
}

// ---- entry points ------------------------------------------------------------------------------

/** The problems with an awsJson1_1 answer to `operation`; empty when it matches the model. */
export function jsonProblems(model: ServiceModel, operation: string, raw: RawResponse): string[] {
  const walk: Walk = { model, problems: [], timestamps: "epoch-seconds" };
  if (raw.status !== 200) return [`status ${raw.status}`];
  if (raw.headers["content-type"] !== "application/x-amz-json-1.1") walk.problems.push(`content-type ${raw.headers["content-type"]}`);
  let body: unknown;
  try {
    body = JSON.parse(raw.body.length === 0 ? "{}" : raw.body.toString("utf8"));
  } catch {
    return [`${operation}: the body is not JSON`];
  }
  checkJson(walk, body, model.output(operation), operation);
  return walk.problems;
}

/** The problems with an awsQuery answer: `<OpResponse><OpResult>…</OpResult><ResponseMetadata>`. */
export function queryProblems(model: ServiceModel, operation: string, raw: RawResponse): string[] {
  const walk: Walk = { model, problems: [], timestamps: "date-time" };
  if (raw.status !== 200) return [`status ${raw.status}`];
  let root: XmlNode;
  try {
    root = parseXmlStrict(raw.body.toString("utf8"));
  } catch (error) {
    return [`${operation}: ${error instanceof Error ? error.message : String(error)}`];
  }
  if (root.name !== `${operation}Response`) walk.problems.push(`root <${root.name}>, expected <${operation}Response>`);
  const output = model.output(operation);
  const hasMembers = !output.isUnitSchema() && [...output.structIterator()].length > 0;
  for (const child of root.children) {
    if (child.name === "ResponseMetadata") {
      if (!child.children.some((c) => c.name === "RequestId" && c.text !== "")) walk.problems.push("ResponseMetadata has no RequestId");
    } else if (child.name === `${operation}Result`) {
      // AWS sends the result element even for an output without members; then it is empty.
      if (hasMembers) checkXmlStructure(walk, child, output, operation);
      else if (child.children.length > 0 || child.text.trim() !== "") walk.problems.push(`<${child.name}> has content the model does not define`);
    } else {
      walk.problems.push(`<${root.name}> has an unexpected <${child.name}>`);
    }
  }
  if (hasMembers && !root.children.some((c) => c.name === `${operation}Result`)) checkRequired(walk, new Set(), output, operation);
  return walk.problems;
}

function isBodyMember(member: NormalizedSchema): boolean {
  const traits = member.getMergedTraits();
  return !(traits.httpHeader || traits.httpPrefixHeaders || traits.httpResponseCode || traits.httpQuery || traits.httpLabel);
}

/** The problems with an S3 REST-XML answer: headers bound to members, then the XML body or payload. */
export function restXmlProblems(model: ServiceModel, operation: string, raw: RawResponse, method: string): string[] {
  const walk: Walk = { model, problems: [], timestamps: "date-time" };
  if (raw.status < 200 || raw.status > 299) return [`status ${raw.status}`];
  const output = model.output(operation);
  if (output.isUnitSchema()) {
    return raw.body.length > 0 || Object.keys(raw.headers).some((h) => h.startsWith("x-amz-") && !METADATA_HEADERS.has(h))
      ? [`${operation}: the model has no output, the answer has a body or x-amz- headers`]
      : [];
  }
  const headerMembers = new Map<string, [string, NormalizedSchema]>();
  const prefixMembers: Array<[string, string, NormalizedSchema]> = [];
  let payload: [string, NormalizedSchema] | undefined;
  for (const [name, member] of output.structIterator()) {
    const traits = member.getMergedTraits();
    if (typeof traits.httpHeader === "string") headerMembers.set(traits.httpHeader.toLowerCase(), [name, member]);
    if (typeof traits.httpPrefixHeaders === "string") prefixMembers.push([traits.httpPrefixHeaders.toLowerCase(), name, member]);
    if (traits.httpPayload) payload = [name, member];
  }
  const present = new Set<string>();
  for (const [header, value] of Object.entries(raw.headers)) {
    const bound = headerMembers.get(header);
    if (bound) {
      present.add(bound[0]);
      checkScalarText(walk, value, bound[1], `${operation} header ${header}`, model.enumOf(output.getName() ?? "", bound[0]), "http-date");
      continue;
    }
    const prefixed = prefixMembers.find(([prefix]) => header.startsWith(prefix));
    if (prefixed) {
      present.add(prefixed[1]);
      continue;
    }
    if (header.startsWith("x-amz-") && !METADATA_HEADERS.has(header)) walk.problems.push(`${operation} header ${header}: not a member of ${output.getName()} in the model`);
  }
  const text = raw.body.toString("utf8");
  if (method === "HEAD" || raw.status === 204) {
    if (raw.body.length > 0) walk.problems.push(`${operation}: a ${method} or 204 answer with a body`);
  } else if (payload) {
    present.add(payload[0]);
    const [name, member] = payload;
    if (member.isStructSchema()) {
      try {
        const root = parseXmlStrict(text);
        const expected = xmlNameOf(member, xmlNameOf(member, member.getName() ?? name));
        if (root.name !== expected) walk.problems.push(`${operation}: payload root <${root.name}>, expected <${expected}>`);
        checkXmlStructure(walk, root, member, `${operation}.${name}`);
      } catch (error) {
        walk.problems.push(`${operation}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } else if (text.trim() !== "") {
    try {
      const root = parseXmlStrict(text);
      const expected = xmlNameOf(output, output.getName() ?? operation);
      if (root.name !== expected) walk.problems.push(`${operation}: root <${root.name}>, expected <${expected}>`);
      checkXmlStructure(walk, root, output, operation, (member) => !isBodyMember(member));
      for (const child of root.children) present.add(child.name);
    } catch (error) {
      walk.problems.push(`${operation}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  checkRequired(walk, present, output, operation);
  return walk.problems;
}
