import { auditExportQuery, auditExportResponse } from "@/lib/audit/export-response";
import { routeHandler } from "@/lib/pipeline/route";
import { exportTenantAuditLogUseCase } from "@/lib/support/use-cases";

export const dynamic = "force-dynamic";

/** Any organization's audit log (`?format=csv|json`), for vendor support only. */
export const GET = routeHandler(exportTenantAuditLogUseCase, {
  input: (request, params: { organizationId: string }) => ({ ...params, ...auditExportQuery(request) }),
  respond: (log, query) => auditExportResponse(log, query.format),
});
