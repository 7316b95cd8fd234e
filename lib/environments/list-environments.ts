import "server-only";
import type { KeyHealthState } from "@/generated/prisma/enums";
import type { CustomerCaller } from "@/lib/auth/caller";
import { db } from "@/lib/db";

export interface EnvironmentListKeyHealth {
  state: KeyHealthState;
  rotationOff: boolean;
}

/**
 * The caller's organization's environments (not the deleted ones), newest first. A ready customer-managed
 * environment carries its key health (Not checked yet until the first check has run);
 * the others have none to show.
 */
export async function listEnvironments(caller: CustomerCaller) {
  const environments = await db().environment.findMany({
    // Deleted environments are gone from every customer page (support still sees them).
    where: { organizationId: caller.organizationId, deletedAt: null },
    orderBy: { createdAt: "desc" },
    select: {
      id: true,
      name: true,
      region: true,
      encryptionMode: true,
      status: true,
      tenantName: true,
      createdAt: true,
      updatedAt: true,
      // key_health is keyed by the environment, and the environments are already the caller's.
      keyHealth: { select: { state: true, rotationOff: true } },
    },
  });
  return environments.map(({ keyHealth, ...environment }) => ({
    ...environment,
    keyHealth:
      environment.status === "READY" && environment.encryptionMode === "CUSTOMER_MANAGED"
        ? (keyHealth ?? { state: "UNKNOWN", rotationOff: false })
        : null,
  })) satisfies { keyHealth: EnvironmentListKeyHealth | null }[];
}
