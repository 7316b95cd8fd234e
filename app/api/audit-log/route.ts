import { auditExportResponse } from "@/lib/audit/export-response";
import { exportOwnAuditLog } from "@/lib/environments/audit-log";
import { publicError } from "@/lib/errors";

export const dynamic = "force-dynamic";

/** The caller's organization's audit log (`?format=csv|json`). */
export async function GET(request: Request) {
  try {
    const { slug, entries } = await exportOwnAuditLog();
    return auditExportResponse(request, slug, entries);
  } catch (error) {
    const shown = publicError(error);
    if (shown.status === 500) console.error("audit export failed", error);
    return Response.json({ error: shown.message }, { status: shown.status });
  }
}
