import "server-only";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import { env } from "@/lib/env";

/**
 * The provisioning worker's own connection pool. Runs write an audit event per AWS call;
 * on the web requests' pool a burst of runs would make a customer's click wait for a
 * connection (seen as "no transaction within 2 s" at 50 customers at once).
 */
const holder = globalThis as unknown as { __provisioningPrisma?: PrismaClient };

export function provisioningDb(): PrismaClient {
  holder.__provisioningPrisma ??= createPrismaClient(env().databaseUrl, env().provisioningPoolSize);
  return holder.__provisioningPrisma;
}

/** Closes the pool (tests and shutdown); the next use opens a new one. */
export async function disconnectProvisioningDb(): Promise<void> {
  const client = holder.__provisioningPrisma;
  holder.__provisioningPrisma = undefined;
  await client?.$disconnect();
}
