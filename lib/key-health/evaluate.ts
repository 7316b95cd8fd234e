import type { KeyHealthState } from "@/generated/prisma/enums";
import { STATEMENT_IDS } from "@/lib/byok/policies";
import type { CheckFindings, HealthAwsError, KeyFinding, KeyKind, KeyPath, PathFinding } from "./findings";
import { KEY_HEALTH_LABELS, KEY_HEALTH_RANK, UNREACHABLE_ALERT_THRESHOLD } from "./states";

/**
 * From what one check saw to the state stored for the environment. Pure: no clock, no
 * database, no AWS. The rules (issue 13, F9):
 *   - a definite answer from AWS decides: a key Disabled or PendingDeletion (DescribeKey, or
 *     the KMS error S3 relays), a key that no longer exists, an access denied on the S3 path,
 *     an Aurora cluster locked out of its key while the key itself is fine;
 *   - temporary trouble (throttling, 5xx, no answer, an unreadable answer) never concludes
 *     anything about the customer's keys: it counts towards `AWS unreachable`, which becomes
 *     the state only after UNREACHABLE_ALERT_THRESHOLD such checks in a row; until then the
 *     previous state stays;
 *   - Healthy only when every path worked.
 */

export interface PreviousHealth {
  state: KeyHealthState;
  unreachableCount: number;
  rotationOff: boolean;
  /** The problem the stored state is about (kept while checks are inconclusive). */
  problem?: CheckFindings["problem"];
}

export interface Evaluation {
  /** What this check alone showed. AWS_UNREACHABLE also covers a check that could not conclude. */
  observed: KeyHealthState;
  /** The state to store. */
  state: KeyHealthState;
  unreachableCount: number;
  rotationOff: boolean;
  problem?: CheckFindings["problem"];
  /** The AWS error behind `state` (stored on the transition), if any. */
  awsError: HealthAwsError | null;
  /** Sentences to add to the findings' notes. */
  notes: string[];
}

interface Candidate {
  state: KeyHealthState;
  key: KeyKind;
  path?: KeyPath;
  statementSid?: string;
  error?: HealthAwsError;
}

/** KMS reports a key in a state that refuses the operation (pending deletion, pending import, unavailable) as KMSInvalidStateException. */
const PENDING_DELETION_MESSAGE = /pending (replica )?deletion/i;
const INACCESSIBLE_CLUSTER_STATES = new Set(["inaccessible-encryption-credentials", "inaccessible-encryption-credentials-recoverable"]);
const ACCESS_DENIED_CODES = new Set(["AccessDenied", "AccessDeniedException"]);

/** S3 relays KMS refusals as `KMS.<code>`; the bare code decides (lib/aws/errors.ts baseErrorCode). */
function bareCode(error: HealthAwsError): string {
  return error.code.startsWith("KMS.") ? error.code.slice(4) : error.code;
}

export function isInaccessibleClusterStatus(status: string | undefined): boolean {
  return status !== undefined && INACCESSIBLE_CLUSTER_STATES.has(status);
}

function fromKeyState(key: KeyFinding): Candidate | undefined {
  if (key.keyState === "Disabled") return { state: "KEY_DISABLED", key: key.kind };
  if (key.keyState === "PendingDeletion" || key.keyState === "PendingReplicaDeletion") return { state: "PENDING_DELETION", key: key.kind };
  return undefined;
}

function fromPreflightError(key: KeyFinding): Candidate | undefined {
  if (!key.error || key.error.temporary) return undefined;
  if (bareCode(key.error) === "NotFoundException") return { state: "KEY_NOT_FOUND", key: key.kind, error: key.error };
  return undefined;
}

/** A KMS error on the path a key serves (S3 relays them), read as a state of that key. */
function fromKmsError(kind: KeyKind, path: KeyPath, error: HealthAwsError, keyFinding: KeyFinding | undefined): Candidate | undefined {
  const code = bareCode(error);
  if (code === "NotFoundException") return { state: "KEY_NOT_FOUND", key: kind, path, error };
  if (code === "DisabledException") return { state: "KEY_DISABLED", key: kind, path, error };
  if (code === "KMSInvalidStateException") {
    if (PENDING_DELETION_MESSAGE.test(error.message) || keyFinding?.keyState === "PendingDeletion") return { state: "PENDING_DELETION", key: kind, path, error };
    // Pending import or unavailable: the key is not usable as it stands, which the customer fixes like a disabled key.
    return { state: "KEY_DISABLED", key: kind, path, error };
  }
  if (ACCESS_DENIED_CODES.has(code)) {
    return { state: "ACCESS_DENIED", key: kind, path, statementSid: path === "s3" ? STATEMENT_IDS.s3Use : STATEMENT_IDS.rdsGrants, error };
  }
  return undefined;
}

function fromPath(path: PathFinding, keys: KeyFinding[]): Candidate | undefined {
  const kind: KeyKind = path.path;
  const keyFinding = keys.find((k) => k.kind === kind);
  if (path.error?.temporary) return undefined;
  const fromError = path.error ? fromKmsError(kind, path.path, path.error, keyFinding) : undefined;
  if (fromError) return fromError;
  // A cluster locked out of its key, seen in a real answer (a failed restart included: RDS refuses it while the key is unusable).
  if (path.path === "rds" && !path.ok && isInaccessibleClusterStatus(path.clusterStatus)) {
    // The key's own state explains it when DescribeKey could tell; otherwise RDS lost its grant or the key policy changed.
    return (keyFinding && fromKeyState(keyFinding)) ?? { state: "ACCESS_DENIED", key: "rds", path: "rds", statementSid: STATEMENT_IDS.rdsGrants };
  }
  return undefined;
}

/** The worst state wins; of equals, the one that carries AWS's own error and the path it was met on. */
function worst(candidates: Candidate[]): Candidate | undefined {
  let chosen: Candidate | undefined;
  for (const candidate of candidates) {
    if (!chosen || KEY_HEALTH_RANK[candidate.state] > KEY_HEALTH_RANK[chosen.state]) chosen = candidate;
    else if (KEY_HEALTH_RANK[candidate.state] === KEY_HEALTH_RANK[chosen.state] && !chosen.error && candidate.error) chosen = candidate;
  }
  return chosen;
}

function firstTemporaryError(findings: CheckFindings): { key: KeyKind; path?: KeyPath; error: HealthAwsError } | undefined {
  for (const path of findings.paths) if (path.error?.temporary) return { key: path.path, path: path.path, error: path.error };
  for (const key of findings.keys) if (key.error?.temporary) return { key: key.kind, error: key.error };
  return undefined;
}

function rotationOffOf(findings: CheckFindings, previous: boolean): boolean {
  const read = findings.keys.filter((k) => k.preflight === "read" && k.rotationEnabled !== undefined);
  if (read.some((k) => k.rotationEnabled === false)) return true;
  // Both keys answered and both rotate: the warning goes. One unread key keeps what was known.
  return read.length === findings.keys.length && findings.keys.length > 0 ? false : previous;
}

export function evaluateFindings(findings: CheckFindings, previous: PreviousHealth): Evaluation {
  const notes: string[] = [];
  const candidates: Candidate[] = [];
  for (const key of findings.keys) {
    const fromState = fromKeyState(key);
    if (fromState) candidates.push(fromState);
    const fromError = fromPreflightError(key);
    if (fromError) candidates.push(fromError);
  }
  for (const path of findings.paths) {
    const candidate = fromPath(path, findings.keys);
    if (candidate) candidates.push(candidate);
  }
  const problem = worst(candidates);
  const rotationOff = rotationOffOf(findings, previous.rotationOff);

  if (problem) {
    return {
      observed: problem.state,
      state: problem.state,
      unreachableCount: 0,
      rotationOff,
      problem: {
        key: problem.key,
        ...(problem.path ? { path: problem.path } : {}),
        ...(problem.statementSid ? { statementSid: problem.statementSid } : {}),
        ...(problem.error ? { error: problem.error } : {}),
      },
      awsError: problem.error ?? null,
      notes,
    };
  }

  const everyPathWorked = findings.paths.length > 0 && findings.paths.every((p) => p.ok);
  const temporary = firstTemporaryError(findings);
  if (everyPathWorked && !temporary) {
    return { observed: "HEALTHY", state: "HEALTHY", unreachableCount: 0, rotationOff, awsError: null, notes };
  }

  // Nothing definite: AWS did not answer (or answered something that proves nothing about the keys).
  const unreachableCount = previous.unreachableCount + 1;
  const reached = unreachableCount >= UNREACHABLE_ALERT_THRESHOLD;
  const state: KeyHealthState = reached ? "AWS_UNREACHABLE" : previous.state;
  const failure = temporary ?? inconclusiveFailure(findings);
  const what = failure ? ` (${failure.error.code} on ${failure.error.service}:${failure.error.operation})` : "";
  if (!reached) {
    notes.push(
      `This check could not reach a conclusion${what}; the state shown is from the last complete check. ` +
        `${unreachableCount} of ${UNREACHABLE_ALERT_THRESHOLD} checks in a row before the state becomes "${KEY_HEALTH_LABELS.AWS_UNREACHABLE}".`,
    );
  }
  return {
    observed: "AWS_UNREACHABLE",
    state,
    unreachableCount,
    rotationOff,
    ...(reached
      ? failure
        ? { problem: { key: failure.key, ...(failure.path ? { path: failure.path } : {}), error: failure.error } }
        : {}
      : previous.problem
        ? { problem: previous.problem }
        : {}),
    awsError: failure?.error ?? null,
    notes,
  };
}

function inconclusiveFailure(findings: CheckFindings): { key: KeyKind; path?: KeyPath; error: HealthAwsError } | undefined {
  for (const path of findings.paths) if (path.error) return { key: path.path, path: path.path, error: path.error };
  for (const key of findings.keys) if (key.error && key.preflight === "failed") return { key: key.kind, error: key.error };
  return undefined;
}
