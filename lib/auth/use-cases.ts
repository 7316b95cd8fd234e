import "server-only";
import { z } from "zod";
import { defineUseCase } from "@/lib/pipeline/use-case";
import { endSession, signInWithPassword } from "./request";
import { signInFormSchema } from "./sign-in";

/** Signing in and out: public (there is no caller yet, or it is on its way out). */

export const signInUseCase = defineUseCase({
  name: "auth.sign-in",
  access: "public",
  input: signInFormSchema,
  run: async (_caller, input) => {
    await signInWithPassword(input);
    return { next: input.next };
  },
});

export const signOutUseCase = defineUseCase({ name: "auth.sign-out", access: "public", input: z.object({}), run: () => endSession() });
