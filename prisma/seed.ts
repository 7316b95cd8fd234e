/**
 * Demo data for embedded defaults: two customer organizations and a support user.
 * Idempotent: running it again changes nothing but the demo password.
 */
import { randomUUID } from "node:crypto";
import { hashPassword } from "better-auth/crypto";
import { createPrismaClient } from "@/lib/db";

export const DEMO_USERS = [
  { email: "admin@acme.example", name: "Acme Admin", role: "customer", organization: { name: "Acme Corp", slug: "acme" } },
  { email: "admin@globex.example", name: "Globex Admin", role: "customer", organization: { name: "Globex", slug: "globex" } },
  { email: "support@vendor.example", name: "Vendor Support", role: "support", organization: null },
] as const;

export function demoPassword(): string {
  return process.env.DEMO_PASSWORD?.trim() || "demo-password";
}

export async function seedDemoData(databaseUrl: string): Promise<string> {
  const prisma = createPrismaClient(databaseUrl);
  const password = await hashPassword(demoPassword());
  try {
    for (const demo of DEMO_USERS) {
      const user = await prisma.user.upsert({
        where: { email: demo.email },
        update: { role: demo.role },
        create: { id: randomUUID(), email: demo.email, name: demo.name, role: demo.role, emailVerified: true },
      });
      const credential = await prisma.account.findFirst({ where: { userId: user.id, providerId: "credential" } });
      if (credential) {
        await prisma.account.update({ where: { id: credential.id }, data: { password } });
      } else {
        await prisma.account.create({
          data: { id: randomUUID(), userId: user.id, accountId: user.id, providerId: "credential", password },
        });
      }
      if (demo.organization) {
        const organization = await prisma.organization.upsert({
          where: { slug: demo.organization.slug },
          update: {},
          create: { id: randomUUID(), name: demo.organization.name, slug: demo.organization.slug },
        });
        await prisma.member.upsert({
          where: { organizationId_userId: { organizationId: organization.id, userId: user.id } },
          update: {},
          create: { id: randomUUID(), organizationId: organization.id, userId: user.id, role: "owner" },
        });
      }
    }
  } finally {
    await prisma.$disconnect();
  }
  const lines = DEMO_USERS.map(
    (u) => `  ${u.email.padEnd(26)} ${u.organization ? `customer admin, ${u.organization.name}` : "vendor support"}`,
  );
  return `Demo users (password: ${process.env.DEMO_PASSWORD ? "the DEMO_PASSWORD you set" : "demo-password"}):\n${lines.join("\n")}`;
}
