import "server-only";
import { requireOwnOrganization } from "@/lib/auth/session";
import { db } from "@/lib/db";

/** The caller's organization's environments, newest first. */
export async function listEnvironments() {
  const caller = await requireOwnOrganization();
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
