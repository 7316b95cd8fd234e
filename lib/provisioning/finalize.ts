import "server-only";
import { Prisma } from "@/generated/prisma/client";
import { ensureKeyHealthRow } from "@/lib/key-health/service";
import { provisioningDb } from "./db";
import type { ProvisioningEnvironment } from "./context";
import { proposeTenantName } from "./tenant-name";

const MAX_NAME_TRIES = 8;

/**
 * Step 3, first half: gives the environment its tenant name unless it already has one (a
 * run that crashed after naming it resumes with the same name; the database refuses to
 * change a name once set). Names are unique: on a collision a new suffix is drawn.
 */
export async function assignTenantName(
  environment: Pick<ProvisioningEnvironment, "id" | "organizationSlug" | "tenantName">,
  propose: (organizationSlug: string) => string = proposeTenantName,
): Promise<string> {
  if (environment.tenantName) return environment.tenantName;
  for (let attempt = 1; attempt <= MAX_NAME_TRIES; attempt += 1) {
    const candidate = propose(environment.organizationSlug);
    try {
      const updated = await provisioningDb().environment.updateMany({
        where: { id: environment.id, tenantName: null },
        data: { tenantName: candidate },
      });
      if (updated.count === 1) return candidate;
      // Someone else named it in the meantime (a run that lost its lock): keep that name.
      const current = await provisioningDb().environment.findUniqueOrThrow({ where: { id: environment.id }, select: { tenantName: true } });
      if (current.tenantName) return current.tenantName;
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") continue;
      throw error;
    }
  }
  throw new Error(`Could not find a free tenant name for environment ${environment.id} after ${MAX_NAME_TRIES} tries.`);
}

/**
 * Step 3, in the transaction that marks the environment Ready: a customer-managed environment
 * gets its key_health row, due at once, so the periodic checks (lib/key-health/scheduler.ts)
 * look at its keys within seconds. Vendor-managed environments have no customer keys to check.
 */
export async function onEnvironmentReady(
  tx: Prisma.TransactionClient,
  environment: Pick<ProvisioningEnvironment, "id" | "organizationId" | "encryptionMode">,
): Promise<void> {
  if (environment.encryptionMode !== "CUSTOMER_MANAGED") return;
  await ensureKeyHealthRow(tx, environment);
}
