import { recordAudit } from "@/lib/audit/record";
import { TEMPLATE_FILE_NAME } from "@/lib/byok/template";
import { db } from "@/lib/db";
import { byokMaterial } from "@/lib/environments/byok-material";
import { getEnvironment } from "@/lib/environments/get-environment";
import { requireOwnOrganization } from "@/lib/auth/session";
import { publicError } from "@/lib/errors";

export const dynamic = "force-dynamic";

/** byok-kms-keys.yaml with this environment's values as parameter defaults (own organization only). */
export async function GET(_request: Request, { params }: { params: Promise<{ environmentId: string }> }) {
  try {
    const { environmentId } = await params;
    const environment = await getEnvironment({ environmentId });
    if (environment.encryptionMode !== "CUSTOMER_MANAGED") {
      return Response.json({ error: "This environment uses vendor-managed keys; there is no key template." }, { status: 404 });
    }
    const caller = await requireOwnOrganization();
    await recordAudit(db(), {
      organizationId: caller.organizationId,
      environmentId: environment.id,
      actor: { type: "user", userId: caller.userId },
      action: "environment.template.downloaded",
      ipAddress: caller.ipAddress,
    });
    return new Response(byokMaterial(environment).template(), {
      headers: {
        "Content-Type": "application/yaml; charset=utf-8",
        "Content-Disposition": `attachment; filename="${TEMPLATE_FILE_NAME}"`,
        "Cache-Control": "no-store",
      },
    });
  } catch (error) {
    const shown = publicError(error);
    if (shown.status === 500) console.error("template download failed", error);
    return Response.json({ error: shown.message }, { status: shown.status });
  }
}
