/**
 * The sandbox's whole state: one plain JSON object (so it can be saved to a file and
 * shown by `GET /_sandbox/state`), plus the trail (saved with it) and the in-memory fault list. Each service's
 * state is indexed by account and then region, except S3 buckets, whose names are global, and
 * IAM roles, which belong to an account in no region.
 */
import fs from "node:fs";
import path from "node:path";
import type { KmsState } from "./services/kms/model";
import type { S3State } from "./services/s3/model";
import type { RdsState } from "./services/rds/model";
import type { CloudFormationState } from "./services/cloudformation/model";
import type { StsState } from "./services/sts/model";
import type { IamState } from "./services/iam/model";
import type { LogsState } from "./services/logs/model";
import type { TrailEvent } from "./world";

export interface SandboxState {
  version: 1;
  kms: KmsState;
  s3: S3State;
  rds: RdsState;
  cloudformation: CloudFormationState;
  sts: StsState;
  iam: IamState;
  logs: LogsState;
}

export function emptyState(): SandboxState {
  return { version: 1, kms: {}, s3: { buckets: {} }, rds: {}, cloudformation: {}, sts: { sessions: {} }, iam: {}, logs: {} };
}

/** Returns `root[account][region]`, creating it with `make` on first use. */
export function regional<T>(root: Record<string, Record<string, T>>, account: string, region: string, make: () => T): T {
  const byAccount = (root[account] ??= {});
  let entry = byAccount[region];
  if (entry === undefined) {
    entry = make();
    byAccount[region] = entry;
  }
  return entry;
}

/**
 * The newest trail events saved with each state change. Like CloudTrail, the trail outlives a
 * restart; it is written only along with a change, never by a read, so reads stay cheap and a
 * crash loses at most the reads made since the last change.
 */
export const PERSISTED_TRAIL_EVENTS = 5_000;

/** The state file: the state, and the trail under a key of its own. */
export function loadSnapshot(file: string | undefined): { state: SandboxState; trail: TrailEvent[] } {
  if (!file || !fs.existsSync(file)) return { state: emptyState(), trail: [] };
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
    if (typeof parsed === "object" && parsed !== null && "version" in parsed && parsed.version === 1) {
      const { trail, ...state } = parsed as Partial<SandboxState> & { trail?: unknown };
      return { state: { ...emptyState(), ...state, version: 1 }, trail: Array.isArray(trail) ? (trail as TrailEvent[]) : [] };
    }
  } catch {
    // A corrupt state file must not stop the dev server; start clean instead.
  }
  return { state: emptyState(), trail: [] };
}

/** What the store persists: the state and its trail, and a counter that `World.changed()` bumps. */
export interface VersionedState {
  readonly state: SandboxState;
  readonly trail: readonly TrailEvent[];
  readonly generation: number;
}

/** Where committed state goes. */
export interface Persistence {
  /** Resolves once `source.state` as of `source.generation` is durable. */
  commit(source: VersionedState): Promise<void>;
}

/**
 * Durable persistence: every mutating call waits for `commit()` before it is answered, so an
 * acknowledged change survives a SIGKILL (and, with the fsyncs, a power cut). A commit writes
 * the whole state to a temporary file, fsyncs it, renames it over the state file and fsyncs
 * the directory, so the file is always either the old or the new state, never a mix.
 * Concurrent commits coalesce: while one write runs, later callers wait and then share the
 * next one (group commit), so N simultaneous mutations cost at most two writes.
 */
export class StateStore implements Persistence {
  /** The generation known to be on disk. */
  private durable = 0;
  private writing: Promise<void> | undefined;

  constructor(private readonly file: string) {}

  async commit(source: VersionedState): Promise<void> {
    const target = source.generation;
    while (this.durable < target) {
      if (!this.writing) {
        this.writing = this.write(source).finally(() => {
          this.writing = undefined;
        });
      }
      await this.writing;
    }
  }

  private async write(source: VersionedState): Promise<void> {
    // Snapshot synchronously: the text and its generation describe the same instant.
    const generation = source.generation;
    const text = JSON.stringify({ ...source.state, trail: source.trail.slice(-PERSISTED_TRAIL_EVENTS) });
    const dir = path.dirname(this.file);
    await fs.promises.mkdir(dir, { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    const handle = await fs.promises.open(tmp, "w");
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(tmp, this.file);
    // The rename lives in the directory: fsync it too, or a crash may bring back the old file.
    const dirHandle = await fs.promises.open(dir, "r");
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
    this.durable = Math.max(this.durable, generation);
  }
}
