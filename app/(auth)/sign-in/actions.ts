"use server";

import { APIError } from "better-auth/api";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { auth } from "@/lib/auth/auth";
import { signInSchema, safeNextPath } from "@/lib/auth/sign-in";

export interface SignInState {
  error?: string;
  fieldErrors?: Partial<Record<"email" | "password", string[]>>;
  email?: string;
}

export async function signInAction(_previous: SignInState, formData: FormData): Promise<SignInState> {
  const parsed = signInSchema.safeParse({ email: formData.get("email"), password: formData.get("password") });
  const email = typeof formData.get("email") === "string" ? String(formData.get("email")) : "";
  if (!parsed.success) {
    return { fieldErrors: parsed.error.flatten().fieldErrors, email };
  }
  try {
    await auth().api.signInEmail({ body: parsed.data, headers: await headers() });
  } catch (error) {
    if (error instanceof APIError) {
      // One message for unknown email and wrong password: no account enumeration.
      return { error: "The email or password is not correct.", email };
    }
    console.error("sign-in failed", error);
    return { error: "Signing in is not possible right now. Please try again in a minute.", email };
  }
  redirect(safeNextPath(formData.get("next")));
}

export async function signOutAction(): Promise<void> {
  await auth().api.signOut({ headers: await headers() });
  redirect("/sign-in");
}
