import { timelineCsv, timelineJson, type TimelineEntry } from "./timeline";

/** The download response for an audit log export in the requested format. */
export function auditExportResponse(request: Request, slug: string, entries: TimelineEntry[]): Response {
  const format = new URL(request.url).searchParams.get("format") === "json" ? "json" : "csv";
  const date = new Date().toISOString().slice(0, 10);
  const body = format === "json" ? timelineJson(entries) : timelineCsv(entries);
  return new Response(body, {
    headers: {
      "Content-Type": format === "json" ? "application/json; charset=utf-8" : "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="audit-log-${slug.replace(/[^a-z0-9-]/gi, "")}-${date}.${format}"`,
      "Cache-Control": "no-store",
    },
  });
}
