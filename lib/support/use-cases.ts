import "server-only";
import { auditExportQuerySchema } from "@/lib/audit/export-response";
import { environmentRefSchema } from "@/lib/environments/schemas";
import { defineUseCase } from "@/lib/pipeline/use-case";
import { addSupportNote, exportTenantAuditLog, organizationRefSchema, supportNoteSchema, supportRetryProvisioning } from "./console";

/** Vendor support's use cases, as server actions and route handlers run them (lib/pipeline). */

export const addSupportNoteUseCase = defineUseCase({ name: "support.add-note", access: "support", input: supportNoteSchema, run: addSupportNote });

export const supportRetryUseCase = defineUseCase({
  name: "support.retry-provisioning",
  access: "support",
  input: environmentRefSchema,
  run: supportRetryProvisioning,
});

export const exportTenantAuditLogUseCase = defineUseCase({
  name: "support.export-audit-log",
  access: "support",
  input: auditExportQuerySchema.extend(organizationRefSchema.shape),
  run: exportTenantAuditLog,
});
