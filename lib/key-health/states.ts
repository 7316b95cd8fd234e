import type { KeyHealthState } from "@/generated/prisma/enums";

/**
 * The key-health states (F9) and the words the UI shows for them, customer and support alike.
 * Shared by server and client code: no server-only imports here.
 */

export const KEY_HEALTH_LABELS: Record<KeyHealthState, string> = {
  UNKNOWN: "Not checked yet",
  HEALTHY: "Healthy",
  KEY_DISABLED: "Key disabled",
  PENDING_DELETION: "Pending deletion",
  ACCESS_DENIED: "Access denied",
  KEY_NOT_FOUND: "Key not found",
  AWS_UNREACHABLE: "AWS unreachable",
};

/** The warning shown next to any state when automatic rotation is off on a key. */
export const ROTATION_OFF_LABEL = "Rotation off";

/**
 * How bad each state is, worst highest. The database keeps each organization's worst rank
 * (function key_health_rank in the key_health migration): keep the two in step.
 */
export const KEY_HEALTH_RANK: Record<KeyHealthState, number> = {
  UNKNOWN: 0,
  HEALTHY: 1,
  AWS_UNREACHABLE: 2,
  PENDING_DELETION: 3,
  KEY_DISABLED: 4,
  ACCESS_DENIED: 5,
  KEY_NOT_FOUND: 6,
};

/** States that are the customer's to fix: they alert at once. */
export const CUSTOMER_FIXABLE_STATES: readonly KeyHealthState[] = ["KEY_DISABLED", "PENDING_DELETION", "ACCESS_DENIED", "KEY_NOT_FOUND"];

/** Consecutive unreachable checks before `AWS unreachable` becomes the state and alerts anyone. */
export const UNREACHABLE_ALERT_THRESHOLD = 3;

/** "Check now" at most this often per environment (customer and support alike). */
export const CHECK_NOW_INTERVAL_MS = 60_000;

export const KEY_HEALTH_STATES = Object.keys(KEY_HEALTH_LABELS) as KeyHealthState[];
