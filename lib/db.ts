import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/generated/prisma/client";
import { env } from "./env";

/** One Prisma client per process (kept across Next's dev reloads). */
const holder = globalThis as unknown as { __portalPrisma?: PrismaClient };

export function createPrismaClient(databaseUrl: string, poolSize = 10): PrismaClient {
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString: databaseUrl, max: poolSize }),
    // Prisma's default gives a transaction 2 s to get a connection; a burst of clicks (50
    // customers at once in bench:provisioning) queues longer than that on a right-sized pool.
    transactionOptions: { maxWait: 10_000, timeout: 15_000 },
  });
}

export function db(): PrismaClient {
  holder.__portalPrisma ??= createPrismaClient(env().databaseUrl, env().databasePoolSize);
  return holder.__portalPrisma;
}

export type { PrismaClient };
