/**
 * AWS JSON 1.1 (KMS): `POST /` with `X-Amz-Target: TrentService.<Operation>`, a JSON body,
 * blobs as base64 and timestamps as epoch seconds; errors carry `__type` and `message`.
 */
import { ServiceError } from "../errors";
import { isRecord } from "../input";
import { type Service, type World, invoke } from "../world";
import type { WireRequest, WireResponse } from "./wire";

const CONTENT_TYPE = "application/x-amz-json-1.1";

function toWire(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (Array.isArray(value)) return value.map(toWire);
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toWire(v);
    return out;
  }
  return value;
}

export function jsonError(error: ServiceError, requestId: string): WireResponse {
  return {
    status: error.status,
    headers: { "content-type": CONTENT_TYPE, "x-amzn-requestid": requestId, "x-amzn-errortype": error.code, ...error.headers },
    body: JSON.stringify({ __type: error.code, message: error.message }),
  };
}

export async function handleJson(world: World, service: Service, targetPrefix: string, req: WireRequest): Promise<WireResponse> {
  const target = req.headers["x-amz-target"] ?? "";
  if (!target.startsWith(`${targetPrefix}.`)) {
    return jsonError(new ServiceError("UnknownOperationException", `Unknown target ${target}`, 400), req.requestId);
  }
  const operation = target.slice(targetPrefix.length + 1);
  let input: unknown = {};
  if (req.body.length > 0) {
    try {
      input = JSON.parse(req.body.toString("utf8"));
    } catch {
      return jsonError(new ServiceError("SerializationException", "Start of structure or map found where not expected.", 400), req.requestId);
    }
  }
  if (!isRecord(input)) {
    return jsonError(new ServiceError("SerializationException", "Expected a JSON object.", 400), req.requestId);
  }
  try {
    const output = await invoke(world, service, operation, input, { principal: req.principal, region: req.region, requestId: req.requestId }, req.scope);
    return {
      status: 200,
      headers: { "content-type": CONTENT_TYPE, "x-amzn-requestid": req.requestId },
      body: JSON.stringify(toWire(output)),
    };
  } catch (error) {
    if (error instanceof ServiceError) return jsonError(error, req.requestId);
    throw error;
  }
}
