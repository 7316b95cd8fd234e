import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/generated/prisma/client";
import { env } from "./env";

/** One Prisma client per process (kept across Next's dev reloads). */
const holder = globalThis as unknown as { __portalPrisma?: PrismaClient };

export function createPrismaClient(databaseUrl: string): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: 10 }) });
}

export function db(): PrismaClient {
  holder.__portalPrisma ??= createPrismaClient(env().databaseUrl);
  return holder.__portalPrisma;
}

export type { PrismaClient };
