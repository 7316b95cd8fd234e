import { healthUseCase } from "@/lib/health";
import { routeHandler } from "@/lib/pipeline/route";

export const dynamic = "force-dynamic";

/** Liveness and database reachability, for load balancers and the demo scripts. */
export const GET = routeHandler(healthUseCase, {
  respond: (report) =>
    Response.json(report, { status: report.status === "ok" ? 200 : 503, headers: { "Cache-Control": "no-store" } }),
});
