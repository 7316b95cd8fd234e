import "server-only";
import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { nextCookies } from "better-auth/next-js";
import { organization } from "better-auth/plugins";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { CLIENT_ADDRESS_HEADER } from "@/lib/security/client-address";
import { signInGuard } from "./sign-in-guard";

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
    advanced: {
      useSecureCookies: config.appUrl.startsWith("https://"),
      // The address the server decided from the socket and TRUSTED_PROXIES, never the client's X-Forwarded-For.
      ipAddress: { ipAddressHeaders: [CLIENT_ADDRESS_HEADER] },
    },
    // Sign-in is throttled by the portal's own limiter (lib/auth/sign-in-guard.ts), in
    // PostgreSQL and on every path; better-auth's in-memory one would only see HTTP calls.
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    // The organization plugin supplies the organization and member tables; its endpoints, like
    // every endpoint the product does not use, answer 404 (sign-in guard). nextCookies stays last.
    plugins: [organization({ allowUserToCreateOrganization: false }), signInGuard(), nextCookies()],
  });
}

type Auth = ReturnType<typeof createAuth>;
const holder = globalThis as unknown as { __portalAuth?: Auth };

export function auth(): Auth {
  holder.__portalAuth ??= createAuth();
  return holder.__portalAuth;
}
