import "server-only";
import { auditTimeline } from "@/lib/audit/timeline";
import type { CustomerCaller } from "@/lib/auth/caller";
import { db } from "@/lib/db";
import { getEnvironment } from "./get-environment";
import type { EnvironmentRef } from "./schemas";

/** One environment's audit timeline, for its own organization's admins. */
export async function environmentTimeline(caller: CustomerCaller, input: EnvironmentRef) {
  const environment = await getEnvironment(caller, input);
  return auditTimeline(db(), { organizationId: environment.organizationId, environmentId: environment.id, limit: 300 });
}

/** The caller's organization's whole audit log, for export. */
export async function exportOwnAuditLog(caller: CustomerCaller) {
  const organization = await db().organization.findUniqueOrThrow({ where: { id: caller.organizationId }, select: { slug: true } });
  return { slug: organization.slug, entries: await auditTimeline(db(), { organizationId: caller.organizationId, limit: 100_000 }) };
}
