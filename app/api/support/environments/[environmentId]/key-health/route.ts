import { supportKeyHealthUseCase } from "@/lib/key-health/use-cases";
import { routeHandler } from "@/lib/pipeline/route";

export const dynamic = "force-dynamic";

/** Polled by the Key health region of the support environment page (vendor support only; anyone else gets 404). */
export const GET = routeHandler(supportKeyHealthUseCase, {
  respond: (snapshot) => Response.json(snapshot, { headers: { "Cache-Control": "no-store" } }),
});
