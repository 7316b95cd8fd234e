import "server-only";
import type { CustomerCaller } from "@/lib/auth/caller";
import { db } from "@/lib/db";

/** The caller's organization's environments, newest first. */
export async function listEnvironments(caller: CustomerCaller) {
  return db().environment.findMany({
    where: { organizationId: caller.organizationId },
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
    },
  });
}
