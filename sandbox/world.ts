/**
 * Everything operations share: the state, the clock, the trail and the injected faults; and
 * `invoke`, the one dispatcher every call goes through (protocol adapters and the calls S3,
 * RDS and CloudFormation make to KMS alike). Operations get the world and a CallContext;
 * they never see HTTP.
 */
import { type AccessCheck, type DenialShape, authorize } from "./authorize";
import { ServiceError } from "./errors";
import { type DrawnFault, type FaultEffect, FaultInjector, type MalformedKind } from "./faults";
import type { Principal } from "./identities";
import type { Input } from "./input";
import { emptyState, type Persistence, type SandboxState } from "./state";

export interface CallContext {
  principal: Principal;
  region: string;
  requestId: string;
  /** Set when an AWS service calls KMS on the caller's behalf, e.g. `s3.us-east-1.amazonaws.com`. */
  viaService?: string;
}

/** What a call touched, filled in by its operation as it learns it; the dispatcher writes it to the trail. */
export interface CallAudit {
  keyArn: string;
  encryptionContext?: Record<string, string>;
}

export type Output = Record<string, unknown>;

/**
 * One operation, in three steps the dispatcher runs in order:
 * - `resolve` reads the input and finds what the call acts on, throwing the lookup and
 *   validation errors AWS reports before it authorizes (NotFoundException, NoSuchBucket…);
 * - `access` says what must be allowed: the IAM action and resource of each check, and for
 *   KMS the key whose policy applies (none: the operation needs no permission, or has its
 *   own rule, like RetireGrant);
 * - `run` does the work once every check passed.
 */
export interface OperationSpec<R> {
  resolve(input: Input, ctx: CallContext, audit: CallAudit): R;
  access(resolved: R, ctx: CallContext): AccessCheck[];
  run(resolved: R, input: Input, ctx: CallContext, audit: CallAudit): Output | Promise<Output>;
}

/** An operation bound to one call's input: its checks, and the work to do once they pass. */
export interface BoundCall {
  access: AccessCheck[];
  run(): Output | Promise<Output>;
}

export interface Operation {
  bind(input: Input, ctx: CallContext, audit: CallAudit): BoundCall;
}

export function operation<R>(spec: OperationSpec<R>): Operation {
  return {
    bind(input, ctx, audit) {
      const resolved = spec.resolve(input, ctx, audit);
      return { access: spec.access(resolved, ctx), run: () => spec.run(resolved, input, ctx, audit) };
    },
  };
}

export interface TrailEvent {
  time: string;
  /** "kms" for every KMS call; other services appear only for calls a fault hit. */
  service: string;
  principal: string;
  action: string;
  keyArn: string;
  viaService?: string;
  encryptionContext?: Record<string, string>;
  /** "throttled" / "fault": an injected throttle or error answered instead of the service. */
  result: "allowed" | "denied" | "error" | "throttled" | "fault";
  errorCode?: string;
  /** Set when an injected fault hit the call, whatever it did to it. */
  fault?: { id: string; effect: FaultEffect; latencyMs?: number };
}

/** Per-request scratch space shared by the HTTP server and the dispatcher; absent for internal calls. */
export interface RequestScope {
  /** A malformed-response fault hit the call: the server damages the response it sends. */
  malformed?: MalformedKind;
}

const TRAIL_LIMIT = 20_000;
/** How many events past the limit the trail holds before it drops them at once. */
const TRAIL_COMPACTION = 2_000;

export class World {
  state: SandboxState;
  /** The trail's events, oldest first; the first `trailDropped` of them are past the limit. */
  private trailEvents: TrailEvent[] = [];
  private trailDropped = 0;
  readonly faults: FaultInjector;
  /** Bumped by every change to `state`; the store persists up to a generation. */
  generation = 0;

  readonly rdsCreateDelayMs: number;
  /**
   * How long an Aurora cluster keeps running after RDS loses the use of its KMS key (key
   * disabled, pending deletion, deleted, or RDS's grant revoked) before it turns
   * `inaccessible-encryption-credentials-recoverable`; see sandbox/services/rds/handlers.ts.
   */
  readonly rdsKeyLossDelayMs: number;
  /** Waits out an injected latency; tests replace it to release the answer when they choose. */
  readonly sleep: (ms: number) => Promise<void>;
  private readonly store?: Persistence;
  private readonly clock: () => Date;

  constructor(
    state: SandboxState,
    options: {
      rdsCreateDelayMs: number;
      /** Default 5000. */
      rdsKeyLossDelayMs?: number;
      store?: Persistence;
      sleep?: (ms: number) => Promise<void>;
      trail?: TrailEvent[];
      /** The world's clock (default: the wall clock); tests pass one they move themselves. */
      now?: () => Date;
    },
  ) {
    this.state = state;
    this.trail = options.trail ?? [];
    this.rdsCreateDelayMs = options.rdsCreateDelayMs;
    this.rdsKeyLossDelayMs = options.rdsKeyLossDelayMs ?? 5000;
    this.store = options.store;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.clock = options.now ?? (() => new Date());
    this.faults = new FaultInjector(() => this.now().getTime());
  }

  now(): Date {
    return this.clock();
  }

  changed(): void {
    this.generation += 1;
  }

  /** Resolves once every change made so far is on disk (at once without a state file). */
  commit(): Promise<void> {
    return this.store ? this.store.commit(this) : Promise.resolve();
  }

  /**
   * Clears keys, buckets, clusters, stacks, the trail and faults. Role sessions already issued
   * stay valid until they expire, like credentials a running portal holds (and has cached).
   */
  reset(): void {
    const sessions = this.state.sts.sessions;
    this.state = emptyState();
    this.state.sts.sessions = sessions;
    this.trail = [];
    this.faults.clear();
    this.changed();
  }

  /** The newest TRAIL_LIMIT events, oldest first. */
  get trail(): TrailEvent[] {
    this.compactTrail();
    return this.trailEvents;
  }

  set trail(events: TrailEvent[]) {
    this.trailEvents = events;
    this.trailDropped = 0;
  }

  /**
   * Appends to the trail. Events past the limit are dropped in batches, not one by one: removing
   * the first element of a 20,000-element array moves all the others, once per call.
   */
  record(event: TrailEvent): void {
    this.trailEvents.push(event);
    if (this.trailEvents.length - this.trailDropped > TRAIL_LIMIT) this.trailDropped = this.trailEvents.length - TRAIL_LIMIT;
    if (this.trailDropped >= TRAIL_COMPACTION) this.compactTrail();
  }

  private compactTrail(): void {
    if (this.trailDropped === 0) return;
    this.trailEvents.splice(0, this.trailDropped);
    this.trailDropped = 0;
  }
}

/** The error a fault answers with instead of the service, if it is that kind of fault. */
function faultError(service: string, fault: DrawnFault): ServiceError | undefined {
  const spec = fault.spec;
  if (spec.error) return new ServiceError(spec.error.code, spec.error.message ?? spec.error.code, spec.error.status ?? 400);
  if (spec.throttle) return throttlingError(service);
  if (spec.status500) return internalError(service);
  return undefined;
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
  operations: Record<string, Operation>;
  /** The error a refused check becomes. */
  accessDenied: DenialShape;
  /** Every call goes to the trail (KMS, as CloudTrail logs KMS calls); otherwise only calls a fault hit. */
  trailEveryCall?: boolean;
  /** Trail details for a call a fault answered before its operation could fill them in. */
  auditOf?(operation: string, input: Input, ctx: CallContext): CallAudit;
}

function isDenial(code: string): boolean {
  return code === "AccessDeniedException" || code === "AccessDenied";
}

function trailEvent(
  service: Service,
  operation: string,
  ctx: CallContext,
  audit: CallAudit,
  time: string,
  outcome: Pick<TrailEvent, "result" | "errorCode">,
  fault: DrawnFault | undefined,
): TrailEvent {
  const event: TrailEvent = { time, service: service.name, principal: ctx.principal.arn, action: operation, keyArn: audit.keyArn, result: outcome.result };
  if (ctx.viaService) event.viaService = ctx.viaService;
  if (audit.encryptionContext) event.encryptionContext = audit.encryptionContext;
  if (outcome.errorCode !== undefined) event.errorCode = outcome.errorCode;
  if (fault) {
    event.fault = { id: fault.id, effect: fault.effect };
    if (fault.spec.latencyMs) event.fault.latencyMs = fault.spec.latencyMs;
  }
  return event;
}

/**
 * Runs one operation: draws a fault (latency, then an injected answer instead of the
 * operation, or a malformed response the server applies after it), resolves what the call
 * acts on, authorizes it once, runs it, writes the trail, and, for a call that came over the
 * wire and changed the state, waits until the change is durable before the caller is
 * answered. `scope` is given by the protocol adapters only.
 */
export async function invoke(world: World, service: Service, operation: string, input: Input, ctx: CallContext, scope?: RequestScope): Promise<Output> {
  const op = service.operations[operation];
  if (!op) throw unknownOperation(service.name, operation);
  const fault = world.faults.draw(service.name, operation, { wire: scope !== undefined, region: ctx.region });
  const time = world.now().toISOString();
  const latencyMs = fault?.spec.latencyMs;
  if (latencyMs) await world.sleep(latencyMs);
  const audit: CallAudit = { keyArn: "" };
  const traced = service.trailEveryCall === true || fault !== undefined;

  const injected = fault && faultError(service.name, fault);
  if (fault && injected) {
    Object.assign(audit, service.auditOf?.(operation, input, ctx));
    world.record(trailEvent(service, operation, ctx, audit, time, { result: fault.effect === "throttle" ? "throttled" : "fault", errorCode: injected.code }, fault));
    throw injected;
  }
  if (scope && fault?.spec.malformed) scope.malformed = fault.spec.malformed;

  const generation = world.generation;
  try {
    const call = op.bind(input, ctx, audit);
    for (const check of call.access) {
      try {
        authorize(ctx, check, world.now(), service.accessDenied);
      } catch (error) {
        // The trail names the key whose policy refused (ReEncrypt checks two keys).
        if (check.keyPolicy) audit.keyArn = check.resource;
        throw error;
      }
    }
    // A synchronous operation is not awaited, so no other call can run between it and the
    // generation check below: only its own changes count. An async one may interleave with
    // other calls; their changes then count too, which only costs it an extra wait.
    const pending = call.run();
    const output = pending instanceof Promise ? await pending : pending;
    if (traced) world.record(trailEvent(service, operation, ctx, audit, time, { result: "allowed" }, fault));
    return output;
  } catch (error) {
    if (traced) {
      const code = error instanceof ServiceError ? error.code : "InternalFailure";
      world.record(trailEvent(service, operation, ctx, audit, time, { result: isDenial(code) ? "denied" : "error", errorCode: code }, fault));
    }
    throw error;
  } finally {
    // Acknowledged means durable: an answer goes out only once its change is on disk.
    if (scope && world.generation !== generation) await world.commit();
  }
}

function unknownOperation(service: string, operation: string): ServiceError {
  if (service === "kms") return new ServiceError("UnknownOperationException", `Unknown operation ${operation}`, 400);
  if (service === "s3") return new ServiceError("NotImplemented", `A header you provided implies functionality that is not implemented (${operation}).`, 501);
  return new ServiceError("InvalidAction", `Could not find operation ${operation}`, 400);
}
