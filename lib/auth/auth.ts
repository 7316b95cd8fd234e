import "server-only";
import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { nextCookies } from "better-auth/next-js";
import { organization } from "better-auth/plugins";
import { db } from "@/lib/db";
import { env } from "@/lib/env";

function createAuth() {
  const config = env();
  return betterAuth({
    appName: config.brandName,
    baseURL: config.appUrl,
    secret: config.authSecret,
    database: prismaAdapter(db(), { provider: "postgresql" }),
    // Accounts are created by the vendor (seed or onboarding), never by self sign-up.
    emailAndPassword: { enabled: true, disableSignUp: true, minPasswordLength: 8 },
    session: { expiresIn: 60 * 60 * 12, updateAge: 60 * 60 },
    user: {
      additionalFields: {
        role: { type: "string", required: false, defaultValue: "customer", input: false },
      },
    },
    advanced: { useSecureCookies: config.appUrl.startsWith("https://") },
    telemetry: { enabled: false },
    plugins: [organization({ allowUserToCreateOrganization: false }), nextCookies()],
  });
}

type Auth = ReturnType<typeof createAuth>;
const holder = globalThis as unknown as { __portalAuth?: Auth };

export function auth(): Auth {
  holder.__portalAuth ??= createAuth();
  return holder.__portalAuth;
}
