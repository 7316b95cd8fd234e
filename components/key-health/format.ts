import type { KeyKind, KeyPath } from "@/lib/key-health/findings";

/** Words and formats the key-health region shares; no server-only imports (the region is a client component). */

export type { KeyHealthKey } from "@/lib/key-health/for-caller";

export const KEY_KIND_LABELS: Record<KeyKind, string> = { s3: "S3 key", rds: "RDS key" };

export const KEY_PATH_LABELS: Record<KeyPath, string> = {
  s3: "S3 (the environment's object storage)",
  rds: "RDS (the environment's Aurora database)",
};

/** Why a check ran, as the history shows it (key_health_transition.cause). */
export const CHECK_CAUSE_LABELS: Record<string, string> = {
  scheduled: "Scheduled check",
  "check-now": "Check now (customer)",
  "support-check-now": "Check now (vendor support)",
};

/**
 * A time in UTC, the same on the server and in every browser (a locale or a time zone would
 * make the server's HTML differ from the first client render).
 */
export function utcTime(iso: string): string {
  return `${iso.replace("T", " ").slice(0, 19)} UTC`;
}

/** A deletion date as AWS shows it in the console: the day, then the time. */
export function utcDate(iso: string): string {
  return iso.slice(0, 10);
}
