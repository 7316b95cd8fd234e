import type { FieldErrors } from "@/lib/errors";

/**
 * What every server action returns to the browser (when it does not redirect): its data, or
 * the user message and per-field messages from the one error table. Nothing else, so no
 * internal detail can travel back.
 */
export type ActionResult<T = null> = { ok: true; data: T } | { ok: false; error: string; fieldErrors: FieldErrors };
