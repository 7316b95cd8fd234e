import { z } from "zod";

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

/** Only same-site absolute paths are followed after sign-in (no open redirects). */
export function safeNextPath(value: unknown): string {
  if (typeof value !== "string") return "/";
  if (!value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\") || value.includes("://")) return "/";
  if (value.startsWith("/sign-in") || value.startsWith("/api/")) return "/";
  return value;
}

/** The sign-in form as posted: the credentials and where to go afterwards. */
export const signInFormSchema = signInSchema.extend({ next: z.unknown().transform(safeNextPath) });
