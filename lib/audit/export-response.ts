import "server-only";
import { z } from "zod";
import { timelineCsv, timelineJson, type TimelineEntry } from "./timeline";

/** `?format=csv|json` of an audit log export; anything else is CSV. */
export const auditExportQuerySchema = z.object({ format: z.enum(["csv", "json"]).catch("csv") });
export type AuditExportFormat = z.infer<typeof auditExportQuerySchema>["format"];

/** The export's query as raw input for the use case's schema. */
export function auditExportQuery(request: Request): { format: string | null } {
  return { format: new URL(request.url).searchParams.get("format") };
}

/** The download response for an audit log export in the requested format. */
export function auditExportResponse(log: { slug: string; entries: TimelineEntry[] }, format: AuditExportFormat): Response {
  const date = new Date().toISOString().slice(0, 10);
  const body = format === "json" ? timelineJson(log.entries) : timelineCsv(log.entries);
  return new Response(body, {
    headers: {
      "Content-Type": format === "json" ? "application/json; charset=utf-8" : "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="audit-log-${log.slug.replace(/[^a-z0-9-]/gi, "")}-${date}.${format}"`,
      "Cache-Control": "no-store",
    },
  });
}
