import "server-only";
import { auditExportQuerySchema } from "@/lib/audit/export-response";
import { environmentRefSchema } from "@/lib/environments/schemas";
import { defineUseCase } from "@/lib/pipeline/use-case";
import { addSupportNote, exportTenantAuditLog, organizationRefSchema, supportNoteSchema, supportRetryProvisioning } from "./console";
import { auditLogExportEntry } from "@/lib/audit/record";

/** Vendor support's use cases, as server actions and route handlers run them (lib/pipeline). */

export const addSupportNoteUseCase = defineUseCase({ name: "support.add-note", access: "support", input: supportNoteSchema, run: addSupportNote });

export const supportRetryUseCase = defineUseCase({
  name: "support.retry-provisioning",
  access: "support",
  input: environmentRefSchema,
  run: supportRetryProvisioning,
});

/** The export changes nothing, so the pipeline records its audit event: support read this tenant's log. */
export const exportTenantAuditLogUseCase = defineUseCase({
  name: "support.export-audit-log",
  access: "support",
  input: auditExportQuerySchema.extend(organizationRefSchema.shape),
  run: exportTenantAuditLog,
  audit: (caller, input, log) =>
    auditLogExportEntry({
      organizationId: log.organizationId,
      actor: { type: "support", userId: caller.userId },
      action: "support.audit_log.exported",
      ipAddress: caller.ipAddress,
      format: input.format,
      events: log.entries.length,
    }),
});
