/**
 * AWS query protocol (STS, RDS, CloudFormation): form-encoded `Action=…&Version=…` with
 * dotted list/structure keys in, XML `<OpResponse><OpResult>` out, `<ErrorResponse>` on error.
 */
import { ServiceError } from "../errors";
import { isRecord, type Input } from "../input";
import { type Service, type World, invoke } from "../world";
import { escapeXml } from "./xml";
import type { WireRequest, WireResponse } from "./wire";

export interface QueryServiceSpec {
  service: Service;
  xmlns: string;
  /** Element names of list members where the service does not use `member` (RDS: DBClusters → DBCluster). */
  memberNames?: Record<string, string>;
}

type Tree = { [key: string]: Tree | string };

/**
 * `Tags.Tag.1.Key=a` and `Parameters.member.1.ParameterKey=x` become arrays; a bare
 * `Key=` with an empty value stays "", which readers treat as absent.
 */
export function parseQueryInput(params: URLSearchParams): { action: string | undefined; input: Input } {
  const root: Tree = {};
  for (const [name, value] of params) {
    if (name === "Action" || name === "Version") continue;
    const parts = name.split(".");
    let node: Tree = root;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) {
        node[part] = value;
        return;
      }
      const next = node[part];
      if (typeof next === "object") node = next;
      else {
        const created: Tree = {};
        node[part] = created;
        node = created;
      }
    });
  }
  const normalized = normalize(root);
  return { action: params.get("Action") ?? undefined, input: isRecord(normalized) ? normalized : {} };
}

function normalize(node: Tree | string): unknown {
  if (typeof node === "string") return node;
  const keys = Object.keys(node);
  if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
    return keys
      .sort((a, b) => Number(a) - Number(b))
      .map((k) => normalize(node[k] ?? ""));
  }
  // A list wrapper: `member` or a service-specific name (`Tag`, `VpcSecurityGroupId`) around numbered items.
  if (keys.length === 1) {
    const only = node[keys[0] ?? ""];
    if (typeof only === "object" && Object.keys(only).length > 0 && Object.keys(only).every((k) => /^\d+$/.test(k))) {
      return normalize(only);
    }
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = normalize(node[k] ?? "");
  return out;
}

function toXml(name: string, value: unknown, memberNames: Record<string, string>): string {
  if (value === undefined || value === null) return "";
  if (value instanceof Date) return `<${name}>${value.toISOString()}</${name}>`;
  if (value instanceof Uint8Array) return `<${name}>${Buffer.from(value).toString("base64")}</${name}>`;
  if (Array.isArray(value)) {
    const member = memberNames[name] ?? "member";
    return `<${name}>${value.map((v) => toXml(member, v, memberNames)).join("")}</${name}>`;
  }
  if (isRecord(value)) {
    return `<${name}>${Object.entries(value)
      .map(([k, v]) => toXml(k, v, memberNames))
      .join("")}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

export function queryError(error: ServiceError, requestId: string): WireResponse {
  const type = error.status >= 500 ? "Receiver" : "Sender";
  return {
    status: error.status,
    headers: { "content-type": "text/xml", "x-amzn-requestid": requestId, ...error.headers },
    body: `<ErrorResponse><Error><Type>${type}</Type><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

export async function handleQuery(world: World, spec: QueryServiceSpec, req: WireRequest): Promise<WireResponse> {
  const params = new URLSearchParams(req.body.toString("utf8"));
  for (const [k, v] of req.query) if (!params.has(k) && !k.startsWith("X-Amz-")) params.set(k, v);
  const { action, input } = parseQueryInput(params);
  if (!action) return queryError(new ServiceError("MissingAction", "Missing Action", 400), req.requestId);
  try {
    const output = await invoke(world, spec.service, action, input, { principal: req.principal, region: req.region, requestId: req.requestId }, req.scope);
    const memberNames = spec.memberNames ?? {};
    const result = Object.entries(output)
      .map(([k, v]) => toXml(k, v, memberNames))
      .join("");
    return {
      status: 200,
      headers: { "content-type": "text/xml", "x-amzn-requestid": req.requestId },
      body: `<?xml version="1.0" encoding="UTF-8"?><${action}Response xmlns="${spec.xmlns}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>${req.requestId}</RequestId></ResponseMetadata></${action}Response>`,
    };
  } catch (error) {
    if (error instanceof ServiceError) return queryError(error, req.requestId);
    throw error;
  }
}
