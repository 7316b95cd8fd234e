import "server-only";
import type { Prisma, PrismaClient } from "@/generated/prisma/client";
import { KEY_HEALTH_LABELS } from "@/lib/key-health/states";
import { ENCRYPTION_MODE_PHRASES, labelFor } from "@/lib/labels";

/** Audit events as people read them: who, what, when, from where. */
export interface TimelineEntry {
  id: string;
  /** The event's place in the log (the cursor of the paged timeline). */
  sequence: string;
  at: Date;
  actorType: string;
  actor: string;
  action: string;
  summary: string;
  ipAddress: string | null;
  environmentId: string | null;
  environmentName: string | null;
  details: Record<string, unknown>;
}

const labels: Record<string, string> = {
  "environment.draft.created": "Started a new environment",
  "environment.draft.basics_updated": "Changed the name or region",
  "environment.draft.encryption_chosen": "Chose the encryption mode",
  "environment.draft.key_arns_accepted": "Provided key ARNs",
  "environment.draft.key_arns_rejected": "Key ARNs were refused",
  "environment.template.downloaded": "Downloaded the key template",
  "environment.submitted": "Created the environment",
  "provisioning.attempt.queued": "Provisioning queued",
  "provisioning.attempt.started": "Provisioning started",
  "provisioning.attempt.resumed": "Provisioning resumed",
  "provisioning.step.succeeded": "Provisioning step done",
  "provisioning.step.failed": "Provisioning step failed",
  "provisioning.step.retrying": "Provisioning step retried",
  "provisioning.retry_requested": "Retry of provisioning requested",
  "environment.ready": "Environment ready",
  "aws.call": "AWS call by the platform",
  "auth.sign-in.succeeded": "Signed in",
  "auth.sign-in.failed": "Sign-in failed",
  "auth.sign-in.throttled": "Sign-in refused: too many attempts",
  "auth.signed-out": "Signed out",
  "environment.draft.keys_acknowledged": "Confirmed the keys are created",
  "organization.audit_log.exported": "Exported the audit log",
  "support.audit_log.viewed": "Vendor support viewed the audit log",
  "support.audit_log.exported": "Vendor support exported the audit log",
  "support.note.added": "Vendor support added an internal note",
  "environment.key_arns_changed": "Changed the key ARNs",
  "environment.draft.key_access_chosen": "Chose how the platform reaches the keys",
  "environment.sandbox_keys.deployed": "Created the keys in the sandbox",
  "environment.key_arns_change_rejected": "New key ARNs were refused",
  "environment.deleted": "Deleted the environment",
  "environment.cleanup.completed": "Removed what the platform made for the deleted environment",
  "environment.cleanup.failed": "Removing the deleted environment's resources failed; it is tried again",
  "key-health.check-requested": "Asked for a key health check",
  "key-health.state-changed": "Key health changed",
  "key-health.cluster-started": "Restarted the database after its key became usable again",
  "notifications.marked_read": "Marked all notifications as read",
  "webhook.created": "Set up the alert webhook",
  "webhook.url_changed": "Changed the alert webhook URL",
  "webhook.secret_rotated": "Rotated the alert webhook's signing secret",
  "webhook.enabled": "Turned the alert webhook on",
  "webhook.disabled": "Turned the alert webhook off",
  "webhook.removed": "Removed the alert webhook",
  "webhook.test_sent": "Sent a test alert to the webhook",
};

/** Events about vendor support's internal notes: in the support console's timelines only, never a customer's. */
export const INTERNAL_ACTIONS = ["support.note.added"] as const;

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

export function describeAuditEvent(action: string, details: Record<string, unknown>): string {
  const label = labels[action] ?? action;
  switch (action) {
    case "aws.call": {
      const outcome = text(details.outcome) ?? "done";
      const error = text(details.errorCode) ? ` (${text(details.errorCode)})` : "";
      return `${label}: ${text(details.service) ?? "aws"} ${text(details.operation) ?? ""} on ${text(details.resource) ?? "?"}${
        text(details.keyArn) ? ` with key ${text(details.keyArn)}` : ""
      } → ${outcome}${error}`;
    }
    case "environment.draft.key_arns_rejected":
    case "environment.key_arns_change_rejected": {
      const fieldErrors = details.fieldErrors as Record<string, string[]> | undefined;
      const reasons = fieldErrors ? Object.values(fieldErrors).flat().join(" ") : "";
      return `${label}: ${reasons}`;
    }
    case "provisioning.step.failed":
      return `${label}: ${text(details.step) ?? ""} — ${text(details.errorCode) ?? ""} ${text(details.errorMessage) ?? ""}`.trim();
    case "provisioning.step.succeeded":
      return `${label}: ${text(details.step) ?? ""}`;
    case "auth.sign-in.failed":
      return text(details.reason) ? `${label} (${text(details.reason)})` : label;
    case "provisioning.step.retrying":
      return `${label}: ${text(details.step) ?? ""} — ${text(details.operation) ?? "an AWS call"} met ${text(details.errorCode) ?? "a temporary error"}; next try at ${text(details.nextTryAt) ?? "once the wait is over"}`;
    case "environment.key_arns_changed": {
      const to = (details.to ?? {}) as Record<string, unknown>;
      const changed = Array.isArray(details.changed) ? details.changed : [];
      const parts = [changed.includes("s3KeyArn") ? `S3 key ${text(to.s3KeyArn) ?? "?"}` : null, changed.includes("rdsKeyArn") ? `RDS key ${text(to.rdsKeyArn) ?? "?"}` : null].filter(Boolean);
      return `${label}: ${parts.join(", ")}`;
    }
    case "key-health.state-changed":
      return `${label}: ${labelFor(KEY_HEALTH_LABELS, text(details.from) ?? "UNKNOWN")} → ${labelFor(KEY_HEALTH_LABELS, text(details.to) ?? "UNKNOWN")}`;
    case "environment.cleanup.failed":
      return `${label} (${text(details.operation) ?? ""} ${text(details.errorCode) ?? ""})`.replace(" ( )", "");
    case "environment.ready":
      return `${label}: tenant name ${text(details.tenantName) ?? ""}`;
    case "environment.draft.encryption_chosen":
      return `${label}: ${ENCRYPTION_MODE_PHRASES[details.encryptionMode === "CUSTOMER_MANAGED" ? "CUSTOMER_MANAGED" : "VENDOR_MANAGED"]}`;
    default:
      return label;
  }
}

/** The support console's timeline filters, by the words its select shows. */
export const TIMELINE_FILTERS = {
  all: "All events",
  people: "People (customer and support)",
  support: "Vendor support",
  provisioning: "Provisioning",
  aws: "AWS calls by the platform",
  "key-health": "Key health",
} as const;
export type TimelineFilter = keyof typeof TIMELINE_FILTERS;

function filterWhere(filter: TimelineFilter): Prisma.AuditEventWhereInput {
  switch (filter) {
    case "people":
      return { actorType: { in: ["user", "support"] } };
    case "support":
      return { actorType: "support" };
    case "provisioning":
      return { OR: [{ action: { startsWith: "provisioning." } }, { action: "environment.ready" }, { action: "environment.submitted" }] };
    case "aws":
      return { action: "aws.call" };
    case "key-health":
      return { action: { startsWith: "key-health." } };
    case "all":
      return {};
  }
}

interface TimelineQuery {
  organizationId: string;
  environmentId?: string;
  limit?: number;
  includeInternal?: boolean;
  filter?: TimelineFilter;
  /** Only events older than this sequence (the next page). */
  before?: bigint;
}

export async function auditTimeline(prisma: PrismaClient, options: TimelineQuery): Promise<TimelineEntry[]> {
  const events = await prisma.auditEvent.findMany({
    where: {
      organizationId: options.organizationId,
      ...(options.environmentId ? { environmentId: options.environmentId } : {}),
      ...(options.includeInternal ? {} : { action: { notIn: [...INTERNAL_ACTIONS] } }),
      ...(options.before !== undefined ? { sequence: { lt: options.before } } : {}),
      ...(options.filter ? { AND: [filterWhere(options.filter)] } : {}),
    },
    orderBy: { sequence: "desc" },
    take: options.limit ?? 200,
    include: { actor: { select: { name: true, email: true } }, environment: { select: { name: true } } },
  });
  return events.map((event) => {
    const details = (event.details ?? {}) as Record<string, unknown>;
    return {
      id: event.id,
      sequence: event.sequence.toString(),
      at: event.createdAt,
      actorType: event.actorType,
      actor: event.actor ? `${event.actor.name} <${event.actor.email}>` : event.actorType === "platform" ? "Platform" : "Unknown",
      action: event.action,
      summary: describeAuditEvent(event.action, details),
      ipAddress: event.ipAddress,
      environmentId: event.environmentId,
      environmentName: event.environment?.name ?? null,
      details,
    };
  });
}

/** One page of a timeline, newest first, and the cursor of the next (older) page, if any. */
export async function auditTimelinePage(
  prisma: PrismaClient,
  options: TimelineQuery & { pageSize: number },
): Promise<{ entries: TimelineEntry[]; olderBefore: string | null }> {
  const entries = await auditTimeline(prisma, { ...options, limit: options.pageSize + 1 });
  const page = entries.slice(0, options.pageSize);
  return { entries: page, olderBefore: entries.length > options.pageSize ? (page.at(-1)?.sequence ?? null) : null };
}

export function csvCell(value: string): string {
  const inert = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(inert) ? `"${inert.replace(/"/g, '""')}"` : inert;
}

/**
 * CSV for spreadsheets: one row per event. Cells that a spreadsheet would run as a formula
 * are prefixed with a quote (CSV injection).
 */
export function timelineCsv(entries: TimelineEntry[]): string {
  const header = ["time", "actor_type", "actor", "action", "summary", "ip_address", "environment_id", "environment_name"];
  const rows = entries.map((entry) =>
    [
      entry.at.toISOString(),
      entry.actorType,
      entry.actor,
      entry.action,
      entry.summary,
      entry.ipAddress ?? "",
      entry.environmentId ?? "",
      entry.environmentName ?? "",
    ].map(csvCell).join(","),
  );
  return `${[header.join(","), ...rows].join("\r\n")}\r\n`;
}

export function timelineJson(entries: TimelineEntry[]): string {
  return JSON.stringify(
    entries.map((entry) => ({ ...entry, at: entry.at.toISOString() })),
    null,
    2,
  );
}
