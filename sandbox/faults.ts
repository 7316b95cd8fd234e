/**
 * Injected faults: which call gets which fault. A fault matches a service (and optionally one
 * operation); it is spent after `count` applications or expires after `forMs`. With a
 * `probability`, each matching call draws from the fault's own seeded generator, so the same
 * seed and the same sequence of calls always fault the same calls.
 */
import { randomUUID } from "node:crypto";

export type MalformedKind = "html502" | "truncated" | "empty200";

export interface FaultSpec {
  service: string;
  /** Omitted: every operation of the service. */
  operation?: string;
  /** Omitted: every Region. Lets one test fault its own environment's Region and no one else's. */
  region?: string;
  error?: { code: string; message?: string; status?: number };
  throttle?: boolean;
  status500?: boolean;
  /** Runs the operation, then damages its response on the wire (see protocol/malformed.ts). */
  malformed?: MalformedKind;
  latencyMs?: number;
  /** Applies to the next `count` matching calls it hits (default: 1 unless `forMs` is given). */
  count?: number;
  /** Applies to every matching call it hits for this many milliseconds. */
  forMs?: number;
  /** Each matching call is hit with this probability (default 1). */
  probability?: number;
  /** Seed of the fault's generator when `probability` is set (default 1). */
  seed?: number;
}

/** What a fault did to a call, as the trail reports it. */
export type FaultEffect = "error" | "throttle" | "status500" | MalformedKind | "latency";

export interface DrawnFault {
  id: string;
  spec: FaultSpec;
  effect: FaultEffect;
}

interface ActiveFault {
  id: string;
  spec: FaultSpec;
  remaining?: number;
  until?: number;
  random?: () => number;
}

/** mulberry32: a tiny 32-bit PRNG, good enough to spread faults and fully reproducible. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function faultEffect(spec: FaultSpec): FaultEffect {
  if (spec.error) return "error";
  if (spec.throttle) return "throttle";
  if (spec.status500) return "status500";
  if (spec.malformed) return spec.malformed;
  return "latency";
}

export class FaultInjector {
  private faults: ActiveFault[] = [];

  constructor(private readonly nowMs: () => number = Date.now) {}

  add(spec: FaultSpec): { id: string } {
    const id = randomUUID();
    const fault: ActiveFault = { id, spec };
    if (spec.forMs !== undefined) fault.until = this.nowMs() + spec.forMs;
    if (spec.count !== undefined || spec.forMs === undefined) fault.remaining = spec.count ?? 1;
    if (spec.probability !== undefined) fault.random = mulberry32(spec.seed ?? 1);
    this.faults.push(fault);
    return { id };
  }

  clear(): void {
    this.faults = [];
  }

  list(): Array<FaultSpec & { id: string; remaining?: number; until?: string }> {
    this.prune();
    return this.faults.map((f) => ({
      ...f.spec,
      id: f.id,
      remaining: f.remaining,
      until: f.until === undefined ? undefined : new Date(f.until).toISOString(),
    }));
  }

  private prune(): void {
    const now = this.nowMs();
    this.faults = this.faults.filter((f) => (f.until === undefined || f.until > now) && (f.remaining === undefined || f.remaining > 0));
  }

  /**
   * The fault hitting this call, if any, spending one application of it. Faults are tried in
   * the order they were added; a probabilistic one that misses lets the next one try.
   * `wire` is false for calls a service makes internally (S3 and RDS calling KMS): they have
   * no response of their own to damage, so malformed faults wait for a call over the wire.
   */
  draw(service: string, operation: string, options: { wire: boolean; region?: string }): DrawnFault | undefined {
    this.prune();
    for (const fault of this.faults) {
      if (fault.spec.service.toLowerCase() !== service.toLowerCase()) continue;
      if (fault.spec.operation !== undefined && fault.spec.operation !== operation) continue;
      if (fault.spec.region !== undefined && fault.spec.region !== options.region) continue;
      if (fault.spec.malformed !== undefined && !options.wire) continue;
      if (fault.random && fault.random() >= (fault.spec.probability ?? 1)) continue;
      if (fault.remaining !== undefined) fault.remaining -= 1;
      return { id: fault.id, spec: fault.spec, effect: faultEffect(fault.spec) };
    }
    return undefined;
  }
}
