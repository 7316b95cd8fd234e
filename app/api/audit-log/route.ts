import { auditExportQuery, auditExportResponse } from "@/lib/audit/export-response";
import { exportAuditLogUseCase } from "@/lib/environments/use-cases";
import { routeHandler } from "@/lib/pipeline/route";
import { defineUseCase } from "@/lib/pipeline/use-case";
import { auditLogExportEntry } from "@/lib/audit/record";

export const dynamic = "force-dynamic";

/** The export changes nothing, so the pipeline records its audit event. */
const auditedExportUseCase = defineUseCase({
  ...exportAuditLogUseCase,
  audit: (caller, input, log) =>
    auditLogExportEntry({
      organizationId: caller.organizationId,
      actor: { type: "user", userId: caller.userId },
      action: "organization.audit_log.exported",
      ipAddress: caller.ipAddress,
      format: input.format,
      events: log.entries.length,
    }),
});

/** The caller's organization's audit log (`?format=csv|json`). */
export const GET = routeHandler(auditedExportUseCase, {
  input: (request) => auditExportQuery(request),
  respond: (log, query) => auditExportResponse(log, query.format),
});
