import "server-only";
import { z } from "zod";
import { recordAudit } from "@/lib/audit/record";
import { auditTimeline, auditTimelinePage, TIMELINE_FILTERS, type TimelineFilter } from "@/lib/audit/timeline";
import type { SupportCaller } from "@/lib/auth/caller";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { environmentIdOf } from "@/lib/environments/get-environment";
import { requeueFailedEnvironment } from "@/lib/environments/submit-environment";
import { environmentIdSchema, type EnvironmentRef } from "@/lib/environments/schemas";
import { hasControlCharacters, isSingleLine } from "./input";
import { tenantQuerySchema, type TenantQuery } from "./tenant-query";
import { decodeCursor, queryTenants } from "./tenants";

/**
 * Vendor support's use cases. Each takes a SupportCaller, which only the access check of the
 * pipeline (or of a page) hands out: anyone else has already been refused with NOT_FOUND.
 */

export async function listTenants(_caller: SupportCaller, input: { searchParams: Record<string, string | undefined> }) {
  const schema = tenantQuerySchema(env().supportedRegions);
  const parsed = schema.safeParse(input.searchParams);
  // A hand-edited URL with an unknown filter, a search with control characters or a page
  // link that is not one of ours: the list without that part, and a line saying why.
  const problems = parsed.success ? [] : [...new Set(parsed.error.issues.map((issue) => issue.message))];
  const rejected = new Set(parsed.success ? [] : parsed.error.issues.map((issue) => String(issue.path[0])));
  let query: TenantQuery = parsed.success
    ? parsed.data
    : schema.parse(Object.fromEntries(Object.entries(input.searchParams).filter(([key]) => !rejected.has(key) && key !== "cursor")));
  if (query.cursor && !decodeCursor(query.cursor, query.sort)) {
    problems.push("That page link is not valid (or was made for another sort order); showing the first page.");
    query = { ...query, cursor: undefined };
  }
  return { query, problems, page: await queryTenants(db(), query) };
}

export const organizationIdSchema = z
  .string({ error: "That organization id is not valid." })
  .min(1, "That organization id is not valid.")
  .max(100, "That organization id is not valid.")
  .refine(isSingleLine, "That organization id is not valid.");
export const organizationRefSchema = z.object({ organizationId: organizationIdSchema });
export type OrganizationRef = z.infer<typeof organizationRefSchema>;

/** A malformed organization id and a missing one are both NOT_FOUND. */
function organizationId(input: OrganizationRef): string {
  const id = organizationIdSchema.safeParse(input.organizationId);
  if (!id.success) throw new AppError("NOT_FOUND");
  return id.data;
}

async function findOrganization(input: OrganizationRef) {
  const organization = await db().organization.findUnique({ where: { id: organizationId(input) }, select: { id: true, slug: true } });
  if (!organization) throw new AppError("NOT_FOUND");
  return organization;
}

export async function getTenant(caller: SupportCaller, input: OrganizationRef) {
  const organization = await db().organization.findUnique({
    where: { id: organizationId(input) },
    include: {
      environments: { orderBy: { createdAt: "desc" }, take: 200 },
      members: { include: { user: { select: { name: true, email: true } } } },
      supportNotes: { where: { environmentId: null }, orderBy: { createdAt: "desc" }, include: { author: { select: { name: true, email: true } } } },
    },
  });
  if (!organization) throw new AppError("NOT_FOUND");
  const timeline = await auditTimeline(db(), { organizationId: organization.id, limit: 200, includeInternal: true });
  await recordSupportRead(caller, { organizationId: organization.id });
  return { organization, timeline };
}

/** Support reading a tenant's audit log (the tenant and environment pages show it) is itself audited. */
async function recordSupportRead(caller: SupportCaller, where: { organizationId: string; environmentId?: string }) {
  await recordAudit(db(), {
    organizationId: where.organizationId,
    environmentId: where.environmentId ?? null,
    actor: { type: "support", userId: caller.userId },
    action: "support.audit_log.viewed",
    ipAddress: caller.ipAddress,
    details: where.environmentId ? { scope: "environment" } : { scope: "organization" },
  });
}

/** The support environment page's timeline: which events, and from which one on (older than `before`). */
export const supportTimelineQuerySchema = z.object({
  events: z.enum(Object.keys(TIMELINE_FILTERS) as [TimelineFilter, ...TimelineFilter[]], { error: "Unknown event filter: showing all events." }).default("all"),
  before: z
    .string()
    .regex(/^[1-9][0-9]{0,18}$/, "That page of the timeline does not exist: showing the newest events.")
    .optional(),
});
/** The raw query string values (anything a browser can send). */
export type SupportTimelineQuery = { events?: string; before?: string };

/** What the page's query string asks for, each bad value dropped with a message (never a 500). */
export function parseSupportTimelineQuery(raw: SupportTimelineQuery): { events: TimelineFilter; before?: bigint; problems: string[] } {
  const problems: string[] = [];
  const events = supportTimelineQuerySchema.shape.events.safeParse(raw.events);
  const before = supportTimelineQuerySchema.shape.before.safeParse(raw.before);
  if (!events.success) problems.push(events.error.issues[0]?.message ?? "Unknown event filter.");
  if (!before.success) problems.push(before.error.issues[0]?.message ?? "Unknown page.");
  return {
    events: events.success ? events.data : "all",
    ...(before.success && before.data !== undefined ? { before: BigInt(before.data) } : {}),
    problems,
  };
}

export const SUPPORT_TIMELINE_PAGE_SIZE = 50;

export async function getSupportEnvironment(caller: SupportCaller, input: EnvironmentRef, timelineQuery: SupportTimelineQuery = {}) {
  const environment = await db().environment.findUnique({
    where: { id: environmentIdOf(input) },
    // The wrapped data key is of no use to a person; it stays out of every page.
    omit: { wrappedDataKey: true },
    include: {
      organization: { select: { id: true, name: true, slug: true } },
      createdBy: { select: { name: true, email: true } },
      provisioningAttempts: {
        orderBy: { number: "desc" },
        include: { steps: { orderBy: { position: "asc" } }, requestedBy: { select: { name: true, email: true } } },
      },
      supportNotes: { orderBy: { createdAt: "desc" }, include: { author: { select: { name: true, email: true } } } },
    },
  });
  if (!environment) throw new AppError("NOT_FOUND");
  const query = parseSupportTimelineQuery(timelineQuery);
  const { entries: timeline, olderBefore } = await auditTimelinePage(db(), {
    organizationId: environment.organizationId,
    environmentId: environment.id,
    includeInternal: true,
    filter: query.events,
    ...(query.before !== undefined ? { before: query.before } : {}),
    pageSize: SUPPORT_TIMELINE_PAGE_SIZE,
  });
  // Support sees that the organization has an External ID, never its value.
  const externalIdIssued = (await db().organization.count({ where: { id: environment.organizationId, externalId: { not: null } } })) > 0;
  await recordSupportRead(caller, { organizationId: environment.organizationId, environmentId: environment.id });
  return { environment, externalIdIssued, timeline, timelinePage: { events: query.events, olderBefore, isFirstPage: query.before === undefined, problems: query.problems } };
}

export const supportNoteSchema = z.object({
  organizationId: organizationIdSchema,
  environmentId: z.preprocess((value) => (value === "" ? undefined : value), environmentIdSchema.optional()),
  body: z
    .string({ error: "Write the note first." })
    .refine((text) => !hasControlCharacters(text), "A note cannot contain control characters (such as NUL); remove them and save again.")
    .trim()
    .min(1, "Write the note first.")
    .max(4000, "Keep a note to 4,000 characters."),
});
export type SupportNoteInput = z.infer<typeof supportNoteSchema>;

export async function addSupportNote(caller: SupportCaller, input: SupportNoteInput) {
  const { organizationId, environmentId, body } = input;
  if (environmentId) {
    const environment = await db().environment.findFirst({ where: { id: environmentId, organizationId } });
    if (!environment) throw new AppError("NOT_FOUND");
  } else {
    await findOrganization({ organizationId });
  }
  return db().$transaction(async (tx) => {
    const note = await tx.supportNote.create({ data: { organizationId, environmentId: environmentId ?? null, authorId: caller.userId, body } });
    // The note's text stays in the note: the audit log records that it was written, by whom.
    await recordAudit(tx, {
      organizationId,
      environmentId: environmentId ?? null,
      actor: { type: "support", userId: caller.userId },
      action: "support.note.added",
      ipAddress: caller.ipAddress,
      details: { noteId: note.id, characters: body.length },
    });
    return note;
  });
}

export async function supportRetryProvisioning(caller: SupportCaller, input: EnvironmentRef): Promise<{ environmentId: string }> {
  const environment = await db().environment.findUnique({ where: { id: environmentIdOf(input) } });
  if (!environment) throw new AppError("NOT_FOUND");
  if (environment.status !== "FAILED") {
    throw new AppError("CONFLICT", "Only a failed environment can be retried; this one is not failed any more.");
  }
  const { retried } = await requeueFailedEnvironment({
    environmentId: environment.id,
    organizationId: environment.organizationId,
    actor: { type: "support", userId: caller.userId },
    ipAddress: caller.ipAddress,
  });
  if (!retried) throw new AppError("CONFLICT", "Someone else retried it a moment ago; reload to see the new attempt.");
  return { environmentId: environment.id };
}

/** An organization's whole audit log, for export (support). */
export async function exportTenantAuditLog(_caller: SupportCaller, input: OrganizationRef) {
  const organization = await findOrganization(input);
  return {
    organizationId: organization.id,
    slug: organization.slug,
    entries: await auditTimeline(db(), { organizationId: organization.id, limit: 100_000, includeInternal: true }),
  };
}
