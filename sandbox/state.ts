/**
 * The sandbox's whole state: one plain JSON object (so it can be saved to a file and
 * shown by `GET /_sandbox/state`), plus the in-memory trail and fault list. Each service's
 * state is indexed by account and then region, except S3 buckets, whose names are global.
 */
import fs from "node:fs";
import path from "node:path";
import type { KmsState } from "./services/kms/model";
import type { S3State } from "./services/s3/model";
import type { RdsState } from "./services/rds/model";
import type { CloudFormationState } from "./services/cloudformation/model";

export interface SandboxState {
  version: 1;
  kms: KmsState;
  s3: S3State;
  rds: RdsState;
  cloudformation: CloudFormationState;
}

export function emptyState(): SandboxState {
  return { version: 1, kms: {}, s3: { buckets: {} }, rds: {}, cloudformation: {} };
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

export function loadState(file: string | undefined): SandboxState {
  if (!file || !fs.existsSync(file)) return emptyState();
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
    if (typeof parsed === "object" && parsed !== null && "version" in parsed && parsed.version === 1) {
      return { ...emptyState(), ...(parsed as Partial<SandboxState>), version: 1 };
    }
  } catch {
    // A corrupt state file must not stop the dev server; start clean instead.
  }
  return emptyState();
}

export function saveState(file: string, state: SandboxState): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state));
  fs.renameSync(tmp, file);
}
