import "server-only";
import { auditTimeline } from "@/lib/audit/timeline";
import { requireOwnOrganization } from "@/lib/auth/session";
import { db } from "@/lib/db";
import { getEnvironment } from "./get-environment";

/** One environment's audit timeline, for its own organization's admins. */
export async function environmentTimeline(options: { environmentId: string }) {
  const environment = await getEnvironment(options);
  return auditTimeline(db(), { organizationId: environment.organizationId, environmentId: environment.id, limit: 300 });
}

/** The caller's organization's whole audit log, for export. */
export async function exportOwnAuditLog() {
  const caller = await requireOwnOrganization();
  const organization = await db().organization.findUniqueOrThrow({ where: { id: caller.organizationId }, select: { slug: true } });
  return { slug: organization.slug, entries: await auditTimeline(db(), { organizationId: caller.organizationId, limit: 100_000 }) };
}
