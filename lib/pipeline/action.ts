import "server-only";
import { revalidatePath } from "next/cache";
import { notFound, redirect } from "next/navigation";
import type { Access } from "@/lib/auth/access";
import { runForRequest } from "./request";
import type { ActionResult } from "./result";
import type { UseCase } from "./use-case";

export interface ActionOptions<I, O, D> {
  /** Where the browser goes after success. */
  redirectTo?: (output: O, input: I) => string;
  /** The page whose server-rendered data the success changed. */
  revalidate?: (output: O, input: I) => string;
  /** What the browser gets back on success (nothing unless chosen here). */
  data?: (output: O, input: I) => D;
}

/**
 * A form's fields as a plain object for the use case's schema (which drops anything it does not
 * know). Anything but a FormData (a hand-made request) becomes an empty form, refused by the schema.
 */
function formFields(formData: unknown): Record<string, FormDataEntryValue> {
  return formData instanceof FormData ? Object.fromEntries(formData.entries()) : {};
}

async function perform<A extends Access, I, O, D>(useCase: UseCase<A, I, O>, rawInput: unknown, options: ActionOptions<I, O, D>): Promise<ActionResult<D>> {
  const outcome = await runForRequest(useCase, rawInput);
  if (!outcome.ok) {
    // The support console is invisible to everyone else: its actions answer 404, like its pages.
    if (useCase.access === "support" && (outcome.error.code === "NOT_FOUND" || outcome.error.code === "UNAUTHENTICATED")) notFound();
    return { ok: false, error: outcome.error.message, fieldErrors: outcome.error.fieldErrors };
  }
  const { input, output } = outcome;
  if (options.revalidate) revalidatePath(options.revalidate(output, input));
  // redirect() works by throwing, so it runs here, after the pipeline's error handling.
  if (options.redirectTo) redirect(options.redirectTo(output, input));
  // Without a `data` option the browser gets null: D then keeps its default, null.
  return { ok: true, data: (options.data ? options.data(output, input) : null) as D };
}

/** A server action called from a client component with an object (or a FormData). */
export function serverAction<A extends Access, I, O, D = null>(
  useCase: UseCase<A, I, O>,
  options: ActionOptions<I, O, D> = {},
): (input: unknown) => Promise<ActionResult<D>> {
  return async (input) => perform(useCase, input instanceof FormData ? formFields(input) : input, options);
}

/** A server action for `useActionState(action, null)` on a <form>. */
export function formAction<A extends Access, I, O, D = null>(
  useCase: UseCase<A, I, O>,
  options: ActionOptions<I, O, D> = {},
): (previous: ActionResult<D> | null, formData: FormData) => Promise<ActionResult<D>> {
  // The arguments come from the request body as decoded: typed here, never trusted.
  return async (_previous, formData: unknown) => perform(useCase, formFields(formData), options);
}
