import { auditExportQuery, auditExportResponse } from "@/lib/audit/export-response";
import { exportAuditLogUseCase } from "@/lib/environments/use-cases";
import { routeHandler } from "@/lib/pipeline/route";

export const dynamic = "force-dynamic";

/** The caller's organization's audit log (`?format=csv|json`). */
export const GET = routeHandler(exportAuditLogUseCase, {
  input: (request) => auditExportQuery(request),
  respond: (log, query) => auditExportResponse(log, query.format),
});
