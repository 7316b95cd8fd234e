import { db } from "@/lib/db";

export const dynamic = "force-dynamic";

/** Liveness and database reachability, for load balancers and the demo scripts. */
export async function GET() {
  const started = performance.now();
  try {
    await db().$queryRaw`SELECT 1`;
    return Response.json(
      { status: "ok", database: { status: "up", latencyMs: Math.round(performance.now() - started) } },
      { headers: { "Cache-Control": "no-store" } },
    );
  } catch (error) {
    console.error("health check: database unreachable", error);
    return Response.json(
      { status: "degraded", database: { status: "down" } },
      { status: 503, headers: { "Cache-Control": "no-store" } },
    );
  }
}
