import { keyHealthUseCase } from "@/lib/key-health/use-cases";
import { routeHandler } from "@/lib/pipeline/route";

export const dynamic = "force-dynamic";

/** Polled by the Key health region of the environment page, so a scheduled check's result shows without a reload. */
export const GET = routeHandler(keyHealthUseCase, {
  respond: (snapshot) => Response.json(snapshot, { headers: { "Cache-Control": "no-store" } }),
});
