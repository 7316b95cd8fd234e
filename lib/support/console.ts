import "server-only";
import { z } from "zod";
import { auditTimeline } from "@/lib/audit/timeline";
import { requireSupport } from "@/lib/auth/session";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { requeueFailedEnvironment } from "@/lib/environments/submit-environment";
import { environmentIdSchema } from "@/lib/environments/schemas";
import { tenantQuerySchema, type TenantQuery } from "./tenant-query";
import { queryTenants } from "./tenants";

/** Vendor support's use cases. Every one starts with requireSupport(): anyone else gets NOT_FOUND. */

export async function listTenants(options: { searchParams: Record<string, string | undefined> }) {
  await requireSupport();
  const parsed = tenantQuerySchema(env().supportedRegions).safeParse(options.searchParams);
  // A hand-edited URL with an unknown filter shows the unfiltered list and says why.
  const query: TenantQuery = parsed.success ? parsed.data : tenantQuerySchema(env().supportedRegions).parse({});
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => issue.message);
  return { query, problems, page: await queryTenants(db(), query) };
}

const organizationIdSchema = z.string().min(1).max(100);

export async function getTenant(options: { organizationId: string }) {
  await requireSupport();
  const id = organizationIdSchema.safeParse(options.organizationId);
  if (!id.success) throw new AppError("NOT_FOUND");
  const organization = await db().organization.findUnique({
    where: { id: id.data },
    include: {
      environments: { orderBy: { createdAt: "desc" }, take: 200 },
      members: { include: { user: { select: { name: true, email: true } } } },
      supportNotes: { where: { environmentId: null }, orderBy: { createdAt: "desc" }, include: { author: { select: { name: true, email: true } } } },
    },
  });
  if (!organization) throw new AppError("NOT_FOUND");
  const timeline = await auditTimeline(db(), { organizationId: organization.id, limit: 200 });
  return { organization, timeline };
}

export async function getSupportEnvironment(options: { environmentId: string }) {
  await requireSupport();
  const id = environmentIdSchema.safeParse(options.environmentId);
  if (!id.success) throw new AppError("NOT_FOUND");
  const environment = await db().environment.findUnique({
    where: { id: id.data },
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
  const timeline = await auditTimeline(db(), { organizationId: environment.organizationId, environmentId: environment.id, limit: 500 });
  return { environment, timeline };
}

export const supportNoteSchema = z.object({
  organizationId: organizationIdSchema,
  environmentId: z.preprocess((value) => (value === "" ? undefined : value), environmentIdSchema.optional()),
  body: z
    .string({ error: "Write the note first." })
    .trim()
    .min(1, "Write the note first.")
    .max(4000, "Keep a note to 4,000 characters."),
});

export async function addSupportNote(options: { input: unknown }) {
  const caller = await requireSupport();
  const parsed = supportNoteSchema.safeParse(options.input);
  if (!parsed.success) {
    throw new AppError("VALIDATION", parsed.error.issues[0]?.message ?? "The note is not valid.");
  }
  const { organizationId, environmentId, body } = parsed.data;
  if (environmentId) {
    const environment = await db().environment.findFirst({ where: { id: environmentId, organizationId } });
    if (!environment) throw new AppError("NOT_FOUND");
  } else if (!(await db().organization.findUnique({ where: { id: organizationId } }))) {
    throw new AppError("NOT_FOUND");
  }
  return db().supportNote.create({ data: { organizationId, environmentId: environmentId ?? null, authorId: caller.userId, body } });
}

export async function supportRetryProvisioning(options: { environmentId: string }) {
  const caller = await requireSupport();
  const id = environmentIdSchema.safeParse(options.environmentId);
  if (!id.success) throw new AppError("NOT_FOUND");
  const environment = await db().environment.findUnique({ where: { id: id.data } });
  if (!environment) throw new AppError("NOT_FOUND");
  if (environment.status !== "FAILED") {
    throw new AppError("CONFLICT", "Only a failed environment can be retried; this one is not failed any more.");
  }
  return requeueFailedEnvironment({
    environmentId: environment.id,
    organizationId: environment.organizationId,
    actor: { type: "support", userId: caller.userId },
    ipAddress: caller.ipAddress,
  });
}

/** An organization's whole audit log, for export (support). */
export async function exportTenantAuditLog(options: { organizationId: string }) {
  await requireSupport();
  const id = organizationIdSchema.safeParse(options.organizationId);
  if (!id.success) throw new AppError("NOT_FOUND");
  const organization = await db().organization.findUnique({ where: { id: id.data }, select: { id: true, slug: true } });
  if (!organization) throw new AppError("NOT_FOUND");
  return { slug: organization.slug, entries: await auditTimeline(db(), { organizationId: organization.id, limit: 100_000 }) };
}
