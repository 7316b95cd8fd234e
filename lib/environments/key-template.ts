import "server-only";
import type { CustomerCaller } from "@/lib/auth/caller";
import { ROLE_TEMPLATE_FILE_NAME, renderRoleModeTemplate } from "@/lib/byok/role-template";
import { TEMPLATE_FILE_NAME } from "@/lib/byok/template";
import { AppError } from "@/lib/errors";
import { byokMaterial } from "./byok-material";
import { getEnvironment } from "./get-environment";
import { roleModeValuesFor } from "./role-access";
import type { EnvironmentRef } from "./schemas";

/** byok-kms-keys.yaml with this environment's values as parameter defaults (customer-managed environments only). */
export async function keyTemplate(caller: CustomerCaller, input: EnvironmentRef): Promise<{ environmentId: string; fileName: string; yaml: string }> {
  const environment = await getEnvironment(caller, input);
  if (environment.encryptionMode !== "CUSTOMER_MANAGED") {
    throw new AppError("NOT_FOUND", "This environment uses vendor-managed keys; there is no key template.");
  }
  if (environment.keyAccess === "ROLE") {
    return { environmentId: environment.id, fileName: ROLE_TEMPLATE_FILE_NAME, yaml: renderRoleModeTemplate(await roleModeValuesFor(caller.organizationId)) };
  }
  return { environmentId: environment.id, fileName: TEMPLATE_FILE_NAME, yaml: byokMaterial(environment).template() };
}
