import "server-only";
import type { CustomerCaller } from "@/lib/auth/caller";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { environmentIdSchema, type EnvironmentRef } from "./schemas";

/** The environment id a use case was given; a malformed one is NOT_FOUND, like a missing one. */
export function environmentIdOf(input: EnvironmentRef): string {
  const id = environmentIdSchema.safeParse(input.environmentId);
  if (!id.success) throw new AppError("NOT_FOUND");
  return id.data;
}

/**
 * One environment of the caller's organization. Another organization's environment,
 * a malformed id, a missing one and a deleted one are all NOT_FOUND, so ids reveal nothing.
 */
export async function getEnvironment(caller: CustomerCaller, input: EnvironmentRef) {
  const environment = await db().environment.findFirst({
    where: { id: environmentIdOf(input), organizationId: caller.organizationId, deletedAt: null },
    // The wrapped data key (role mode) is for the platform's AWS calls, never for a page.
    omit: { wrappedDataKey: true },
    include: { createdBy: { select: { name: true, email: true } } },
  });
  if (!environment) throw new AppError("NOT_FOUND");
  return environment;
}
