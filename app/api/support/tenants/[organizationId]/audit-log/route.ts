import { auditExportResponse } from "@/lib/audit/export-response";
import { publicError } from "@/lib/errors";
import { exportTenantAuditLog } from "@/lib/support/console";

export const dynamic = "force-dynamic";

/** Any organization's audit log (`?format=csv|json`), for vendor support only. */
export async function GET(request: Request, { params }: { params: Promise<{ organizationId: string }> }) {
  try {
    const { organizationId } = await params;
    const { slug, entries } = await exportTenantAuditLog({ organizationId });
    return auditExportResponse(request, slug, entries);
  } catch (error) {
    const shown = publicError(error);
    if (shown.status === 500) console.error("support audit export failed", error);
    return Response.json({ error: shown.message }, { status: shown.status });
  }
}
