import "server-only";
import { requireSupport } from "@/lib/auth/session";
import { db } from "@/lib/db";

/** Every customer organization with its environment count (support staff only). */
export async function listTenantsOverview() {
  await requireSupport();
  const organizations = await db().organization.findMany({
    orderBy: { name: "asc" },
    take: 50,
    select: { id: true, name: true, slug: true, createdAt: true, _count: { select: { environments: true } } },
  });
  return organizations.map((organization) => ({
    id: organization.id,
    name: organization.name,
    slug: organization.slug,
    createdAt: organization.createdAt,
    environmentCount: organization._count.environments,
  }));
}
