/**
 * The sandbox's own endpoints, for tests and demo runs (never part of AWS):
 *
 *   GET  /_sandbox/health  → 200 { ok: true }
 *   POST /_sandbox/reset   → 200 { ok: true }            all state, trail and faults cleared
 *   POST /_sandbox/faults  body FaultSpec                 → 200 { id }
 *        FaultSpec = { service: "kms"|"s3"|"sts"|"rds"|"cloudformation",
 *                      operation?: string,               // e.g. "GenerateDataKey"; omitted = every operation
 *                      error?: { code: string, message?: string, status?: number },
 *                      throttle?: true,                  // KMS ThrottlingException 400 / S3 SlowDown 503 / query Throttling 400
 *                      status500?: true,                 // KMSInternalException / InternalError / InternalFailure, 500
 *                      latencyMs?: number,               // delay before answering (alone: only a delay)
 *                      count?: number,                   // the next N matching calls (default 1)
 *                      forMs?: number }                  // every matching call for this long (no count limit unless count is set)
 *        Faults on "kms" also hit the KMS calls S3 and RDS make on a caller's behalf. The SDKs
 *        retry throttling and 500s (3 attempts by default), so use count ≥ 3 to see one fail.
 *   GET    /_sandbox/faults → 200 { faults: Array<FaultSpec & { id, remaining?, until? }> }
 *   DELETE /_sandbox/faults → 200 { ok: true }
 *   GET  /_sandbox/state   → 200 SandboxState (see state.ts) with key material and object bytes redacted
 *   GET  /_sandbox/trail   → 200 { events: TrailEvent[] } oldest first; optional query filters
 *        `keyArn`, `action`, `principal`, `since` (ISO time).
 *        TrailEvent = { time, principal, action, keyArn, viaService?, encryptionContext?,
 *                       result: "allowed"|"denied"|"error", errorCode? }
 */
import { z } from "zod";
import type { SandboxState } from "./state";
import type { World } from "./world";
import type { WireResponse } from "./protocol/wire";

const faultSchema = z.object({
  service: z.enum(["kms", "s3", "sts", "rds", "cloudformation"]),
  operation: z.string().min(1).optional(),
  error: z.object({ code: z.string().min(1), message: z.string().optional(), status: z.number().int().min(400).max(599).optional() }).optional(),
  throttle: z.boolean().optional(),
  status500: z.boolean().optional(),
  latencyMs: z.number().int().min(0).max(120_000).optional(),
  count: z.number().int().min(1).optional(),
  forMs: z.number().int().min(1).optional(),
});

function json(status: number, value: unknown): WireResponse {
  return { status, headers: { "content-type": "application/json" }, body: JSON.stringify(value) };
}

export function redactedState(state: SandboxState): unknown {
  return JSON.parse(JSON.stringify(state), (key: string, value: unknown) => {
    if (key === "material") return "<redacted>";
    if (key === "body" || key === "encryptedDataKey" || key === "iv" || key === "tag") return undefined;
    return value;
  });
}

export function handleControl(world: World, method: string, path: string, query: URLSearchParams, body: Buffer): WireResponse {
  const route = `${method} ${path.replace(/\/+$/, "")}`;
  switch (route) {
    case "GET /_sandbox/health":
      return json(200, { ok: true });
    case "POST /_sandbox/reset":
      world.reset();
      return json(200, { ok: true });
    case "POST /_sandbox/faults": {
      let raw: unknown;
      try {
        raw = JSON.parse(body.toString("utf8") || "{}");
      } catch {
        return json(400, { error: "Body must be JSON" });
      }
      const parsed = faultSchema.safeParse(raw);
      if (!parsed.success) return json(400, { error: "Invalid fault", issues: parsed.error.issues });
      return json(200, world.addFault(parsed.data));
    }
    case "GET /_sandbox/faults":
      return json(200, { faults: world.listFaults() });
    case "DELETE /_sandbox/faults":
      world.clearFaults();
      return json(200, { ok: true });
    case "GET /_sandbox/state":
      return json(200, redactedState(world.state));
    case "GET /_sandbox/trail": {
      const keyArn = query.get("keyArn");
      const action = query.get("action");
      const principal = query.get("principal");
      const since = query.get("since");
      const events = world.trail.filter(
        (e) =>
          (!keyArn || e.keyArn === keyArn) &&
          (!action || e.action === action) &&
          (!principal || e.principal === principal) &&
          (!since || e.time >= since),
      );
      return json(200, { events });
    }
    default:
      return json(404, { error: `No sandbox endpoint ${route}` });
  }
}
