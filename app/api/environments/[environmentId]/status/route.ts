import { provisioningStatusUseCase } from "@/lib/environments/use-cases";
import { routeHandler } from "@/lib/pipeline/route";

export const dynamic = "force-dynamic";

/** Polled by the environment page while provisioning runs. */
export const GET = routeHandler(provisioningStatusUseCase, {
  respond: (status) => Response.json(status, { headers: { "Cache-Control": "no-store" } }),
});
