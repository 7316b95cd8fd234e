/**
 * The sandbox's own endpoints, for tests and demo runs (never part of AWS):
 *
 *   GET  /_sandbox/health  → 200 { ok: true }
 *   POST /_sandbox/reset   → 200 { ok: true }            all state, trail and faults cleared (issued role sessions stay valid)
 *   POST /_sandbox/faults  body FaultSpec                 → 200 { id }
 *        FaultSpec = { service: "kms"|"s3"|"sts"|"rds"|"cloudformation",
 *                      operation?: string,               // e.g. "GenerateDataKey"; omitted = every operation
 *                      region?: string,                  // e.g. "ap-southeast-2"; omitted = every Region
 *                      // at most one of error / throttle / status500 / malformed; latencyMs may join any
 *                      error?: { code: string, message?: string, status?: number },
 *                      throttle?: true,                  // KMS ThrottlingException 400 / S3 SlowDown 503 / query Throttling 400
 *                      status500?: true,                 // KMSInternalException / InternalError / InternalFailure, 500
 *                      malformed?: "html502"|"truncated"|"empty200",
 *                      latencyMs?: number,               // delay before answering (alone: only a delay)
 *                      count?: number,                   // the next N calls it hits (default 1)
 *                      forMs?: number,                   // every call it hits for this long (no count limit unless count is set)
 *                      probability?: number,             // 0–1: each matching call is hit with this probability (default 1)
 *                      seed?: number }                   // integer seed of the fault's mulberry32 generator (default 1)
 *        error, throttle and status500 answer instead of the service: the operation does not run.
 *        malformed runs the operation (a mutation takes effect) and then damages its response on
 *        the wire: "html502" replaces it with a load balancer's text/html 502 page, "truncated"
 *        keeps its status and headers but sends the first half of its body (content-length
 *        adjusted), "empty200" sends status 200 with an empty body.
 *        With a probability, every matching call draws one number from the fault's generator,
 *        hit or not, so the same seed and the same calls always fault the same calls; count
 *        counts hits. Faults are tried in the order they were added.
 *        Faults on "kms" also hit the KMS calls S3 and RDS make on a caller's behalf, except
 *        malformed ones (those calls have no response of their own). The SDKs retry throttling,
 *        500s and 502s (3 attempts by default), so use count ≥ 3 to see one fail.
 *   GET    /_sandbox/faults → 200 { faults: Array<FaultSpec & { id, remaining?, until? }> }
 *   DELETE /_sandbox/faults → 200 { ok: true }
 *   GET  /_sandbox/state   → 200 SandboxState (see state.ts) with key material and object bytes redacted
 *   GET  /_sandbox/trail   → 200 { events: TrailEvent[] } oldest first; optional query filters
 *        `keyArn`, `action`, `principal`, `service`, `result`, `since` (ISO time).
 *        Every KMS call is recorded (also those S3 and RDS make for the caller); calls to the
 *        other services only when a fault hit them.
 *        TrailEvent = { time, service, principal, action, keyArn, viaService?, encryptionContext?,
 *                       result: "allowed"|"denied"|"error"|"throttled"|"fault", errorCode?,
 *                       fault?: { id, effect: "error"|"throttle"|"status500"|"html502"|"truncated"|"empty200"|"latency", latencyMs? } }
 *        result "throttled" (a throttle fault) and "fault" (an error or status500 fault) mean the
 *        fault answered and the operation did not run; with a malformed or latency-only fault
 *        the operation ran and result is its own outcome, with `fault` saying what was injected.
 *        keyArn is "" when the call named no key the sandbox could find.
 */
import { z } from "zod";
import type { SandboxState } from "./state";
import type { World } from "./world";
import type { WireResponse } from "./protocol/wire";

export const faultSchema = z
  .object({
    service: z.enum(["kms", "s3", "sts", "rds", "cloudformation"]),
    operation: z.string().min(1).optional(),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "region must be an AWS Region such as eu-west-1").optional(),
    error: z.object({ code: z.string().min(1), message: z.string().optional(), status: z.number().int().min(400).max(599).optional() }).optional(),
    throttle: z.boolean().optional(),
    status500: z.boolean().optional(),
    malformed: z.enum(["html502", "truncated", "empty200"]).optional(),
    latencyMs: z.number().int().min(0).max(120_000).optional(),
    count: z.number().int().min(1).optional(),
    forMs: z.number().int().min(1).optional(),
    probability: z.number().min(0).max(1).optional(),
    seed: z.number().int().min(0).max(0xffffffff).optional(),
  })
  .refine((f) => [f.error !== undefined, f.throttle === true, f.status500 === true, f.malformed !== undefined].filter(Boolean).length <= 1, {
    message: "Give at most one of error, throttle, status500 and malformed",
  })
  .refine((f) => f.error !== undefined || f.throttle === true || f.status500 === true || f.malformed !== undefined || f.latencyMs !== undefined, {
    message: "Give what the fault does: error, throttle, status500, malformed or latencyMs",
  })
  .refine((f) => f.seed === undefined || f.probability !== undefined, { message: "seed only applies with a probability", path: ["seed"] });

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
      return json(200, world.faults.add(parsed.data));
    }
    case "GET /_sandbox/faults":
      return json(200, { faults: world.faults.list() });
    case "DELETE /_sandbox/faults":
      world.faults.clear();
      return json(200, { ok: true });
    case "GET /_sandbox/state":
      return json(200, redactedState(world.state));
    case "GET /_sandbox/trail": {
      const keyArn = query.get("keyArn");
      const action = query.get("action");
      const principal = query.get("principal");
      const service = query.get("service");
      const result = query.get("result");
      const since = query.get("since");
      const events = world.trail.filter(
        (e) =>
          (!keyArn || e.keyArn === keyArn) &&
          (!action || e.action === action) &&
          (!principal || e.principal === principal) &&
          (!service || e.service === service) &&
          (!result || e.result === result) &&
          (!since || e.time >= since),
      );
      return json(200, { events });
    }
    default:
      return json(404, { error: `No sandbox endpoint ${route}` });
  }
}
