import { keyTemplateUseCase } from "@/lib/environments/use-cases";
import { routeHandler } from "@/lib/pipeline/route";

export const dynamic = "force-dynamic";

/** byok-kms-keys.yaml with this environment's values as parameter defaults (own organization only). */
export const GET = routeHandler(keyTemplateUseCase, {
  respond: (template) =>
    new Response(template.yaml, {
      headers: {
        "Content-Type": "application/yaml; charset=utf-8",
        "Content-Disposition": `attachment; filename="${template.fileName}"`,
        "Cache-Control": "no-store",
      },
    }),
});
