import { z } from "zod";
import { safeRedirectPath } from "@/lib/security/safe-redirect";

export const signInSchema = z.object({
  email: z
    .string({ error: "Enter your email address." })
    .trim()
    .min(1, "Enter your email address.")
    .max(254, "That email address is too long.")
    .pipe(z.email({ error: "Enter a valid email address, like name@company.com." })),
  password: z
    .string({ error: "Enter your password." })
    .min(1, "Enter your password.")
    .max(256, "That password is too long."),
});

export type SignInInput = z.infer<typeof signInSchema>;

/** Where to go after sign-in: a same-origin page (lib/security/safe-redirect.ts), never sign-in itself or an API. */
export function safeNextPath(value: unknown): string {
  const path = safeRedirectPath(value);
  return path.startsWith("/sign-in") || path.startsWith("/api/") ? "/" : path;
}

/** The sign-in form as posted: the credentials and where to go afterwards. */
export const signInFormSchema = signInSchema.extend({ next: z.unknown().optional().transform(safeNextPath) });
