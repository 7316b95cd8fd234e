import { routeHandler } from "@/lib/pipeline/route";
import { sandboxKeyStackProgressUseCase } from "@/lib/sandbox-deploy/use-cases";

export const dynamic = "force-dynamic";

/** Polled by "Deploy in the sandbox" on the keys step while the stack is created. */
export const GET = routeHandler(sandboxKeyStackProgressUseCase, {
  respond: (progress) => Response.json(progress, { headers: { "Cache-Control": "no-store" } }),
});
