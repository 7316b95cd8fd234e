/**
 * Everything handlers share: the state, the clock, the KMS trail and the injected faults.
 * Handlers get the world and a CallContext; they never see HTTP.
 */
import { randomUUID } from "node:crypto";
import type { Principal } from "./identities";
import { ServiceError } from "./errors";
import type { Input } from "./input";
import { emptyState, type SandboxState } from "./state";

export interface CallContext {
  principal: Principal;
  region: string;
  requestId: string;
  /** Set when an AWS service calls KMS on the caller's behalf, e.g. `s3.us-east-1.amazonaws.com`. */
  viaService?: string;
}

export type Output = Record<string, unknown>;
export type Handler = (input: Input, ctx: CallContext) => Output | Promise<Output>;

export interface TrailEvent {
  time: string;
  principal: string;
  action: string;
  keyArn: string;
  viaService?: string;
  encryptionContext?: Record<string, string>;
  result: "allowed" | "denied" | "error";
  errorCode?: string;
}

export interface FaultSpec {
  service: string;
  /** Omitted: every operation of the service. */
  operation?: string;
  error?: { code: string; message?: string; status?: number };
  throttle?: boolean;
  status500?: boolean;
  latencyMs?: number;
  /** Applies to the next `count` matching calls (default: 1 unless `forMs` is given). */
  count?: number;
  /** Applies to every matching call for this many milliseconds. */
  forMs?: number;
}

interface ActiveFault {
  id: string;
  spec: FaultSpec;
  remaining?: number;
  until?: number;
}

const TRAIL_LIMIT = 20_000;

export class World {
  state: SandboxState;
  trail: TrailEvent[] = [];
  private faults: ActiveFault[] = [];

  constructor(
    state: SandboxState,
    readonly rdsCreateDelayMs: number,
    private readonly onChange: () => void,
  ) {
    this.state = state;
  }

  now(): Date {
    return new Date();
  }

  changed(): void {
    this.onChange();
  }

  reset(): void {
    this.state = emptyState();
    this.trail = [];
    this.faults = [];
    this.onChange();
  }

  record(event: TrailEvent): void {
    this.trail.push(event);
    if (this.trail.length > TRAIL_LIMIT) this.trail.splice(0, this.trail.length - TRAIL_LIMIT);
  }

  addFault(spec: FaultSpec): { id: string } {
    const id = randomUUID();
    const fault: ActiveFault = { id, spec };
    if (spec.forMs !== undefined) fault.until = Date.now() + spec.forMs;
    if (spec.count !== undefined || spec.forMs === undefined) fault.remaining = spec.count ?? 1;
    this.faults.push(fault);
    return { id };
  }

  clearFaults(): void {
    this.faults = [];
  }

  listFaults(): Array<FaultSpec & { id: string; remaining?: number; until?: string }> {
    this.pruneFaults();
    return this.faults.map((f) => ({
      ...f.spec,
      id: f.id,
      remaining: f.remaining,
      until: f.until === undefined ? undefined : new Date(f.until).toISOString(),
    }));
  }

  private pruneFaults(): void {
    const now = Date.now();
    this.faults = this.faults.filter((f) => (f.until === undefined || f.until > now) && (f.remaining === undefined || f.remaining > 0));
  }

  /** Consumes the first fault matching this call, if any. */
  takeFault(service: string, operation: string): FaultSpec | undefined {
    this.pruneFaults();
    const fault = this.faults.find(
      (f) => f.spec.service.toLowerCase() === service.toLowerCase() && (f.spec.operation === undefined || f.spec.operation === operation),
    );
    if (!fault) return undefined;
    if (fault.remaining !== undefined) fault.remaining -= 1;
    return fault.spec;
  }

  /** Applies a fault for this call: waits the latency, then throws the configured error. */
  async applyFault(service: string, operation: string): Promise<void> {
    const fault = this.takeFault(service, operation);
    if (!fault) return;
    if (fault.latencyMs) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
    if (fault.error) throw new ServiceError(fault.error.code, fault.error.message ?? fault.error.code, fault.error.status ?? 400);
    if (fault.throttle) throw throttlingError(service);
    if (fault.status500) throw internalError(service);
  }
}

function throttlingError(service: string): ServiceError {
  if (service === "kms") return new ServiceError("ThrottlingException", "Rate exceeded", 400);
  if (service === "s3") return new ServiceError("SlowDown", "Please reduce your request rate.", 503);
  return new ServiceError("Throttling", "Rate exceeded", 400);
}

function internalError(service: string): ServiceError {
  if (service === "kms") return new ServiceError("KMSInternalException", "An internal error occurred.", 500);
  if (service === "s3") return new ServiceError("InternalError", "We encountered an internal error. Please try again.", 500);
  return new ServiceError("InternalFailure", "The request processing has failed because of an unknown error, exception or failure.", 500);
}

export interface Service {
  name: string;
  handlers: Record<string, Handler>;
}

/** Runs one operation with fault injection; the protocol adapters and internal callers both go through here. */
export async function invoke(world: World, service: Service, operation: string, input: Input, ctx: CallContext): Promise<Output> {
  const handler = service.handlers[operation];
  if (!handler) throw unknownOperation(service.name, operation);
  await world.applyFault(service.name, operation);
  return handler(input, ctx);
}

function unknownOperation(service: string, operation: string): ServiceError {
  if (service === "kms") return new ServiceError("UnknownOperationException", `Unknown operation ${operation}`, 400);
  if (service === "s3") return new ServiceError("NotImplemented", `A header you provided implies functionality that is not implemented (${operation}).`, 501);
  return new ServiceError("InvalidAction", `Could not find operation ${operation}`, 400);
}
