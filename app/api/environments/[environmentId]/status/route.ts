import { getProvisioningStatus } from "@/lib/environments/provisioning-status";
import { publicError } from "@/lib/errors";

export const dynamic = "force-dynamic";

/** Polled by the environment page while provisioning runs. */
export async function GET(_request: Request, { params }: { params: Promise<{ environmentId: string }> }) {
  try {
    const { environmentId } = await params;
    return Response.json(await getProvisioningStatus({ environmentId }), { headers: { "Cache-Control": "no-store" } });
  } catch (error) {
    const shown = publicError(error);
    if (shown.status === 500) console.error("status route failed", error);
    return Response.json({ error: shown.message }, { status: shown.status });
  }
}
