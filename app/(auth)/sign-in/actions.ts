"use server";

import { signInUseCase, signOutUseCase } from "@/lib/auth/use-cases";
import { formAction } from "@/lib/pipeline/action";

export const signInAction = formAction(signInUseCase, { redirectTo: (signedIn) => signedIn.next });

export const signOutAction = formAction(signOutUseCase, { redirectTo: () => "/sign-in" });
