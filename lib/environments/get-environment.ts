import "server-only";
import { requireOwnOrganization } from "@/lib/auth/session";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { environmentIdSchema } from "./schemas";

/**
 * One environment of the caller's organization. Another organization's environment,
 * a malformed id and a missing one are all NOT_FOUND, so ids reveal nothing.
 */
export async function getEnvironment(options: { environmentId: string }) {
  const caller = await requireOwnOrganization();
  const id = environmentIdSchema.safeParse(options.environmentId);
  if (!id.success) throw new AppError("NOT_FOUND");
  const environment = await db().environment.findFirst({
    where: { id: id.data, organizationId: caller.organizationId },
    include: { createdBy: { select: { name: true, email: true } } },
  });
  if (!environment) throw new AppError("NOT_FOUND");
  return environment;
}
