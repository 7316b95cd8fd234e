import { z } from "zod";

/**
 * Typed application errors: the code decides the HTTP status, the user message is the
 * only text that may reach a browser. Internal detail stays in `cause` and the logs.
 */
export type AppErrorCode =
  | "UNAUTHENTICATED"
  | "NOT_FOUND"
  | "FORBIDDEN"
  | "VALIDATION"
  | "CONFLICT"
  | "RATE_LIMITED"
  | "INTERNAL";

/** The one table from an error code to its HTTP status and the message shown when the thrower gave none. */
export const ERROR_TABLE: Record<AppErrorCode, { status: number; message: string }> = {
  UNAUTHENTICATED: { status: 401, message: "Please sign in to continue." },
  NOT_FOUND: { status: 404, message: "We could not find that page." },
  FORBIDDEN: { status: 403, message: "You do not have access to this." },
  VALIDATION: { status: 400, message: "Please correct the highlighted fields." },
  CONFLICT: { status: 409, message: "This changed in the meantime; reload the page and try again." },
  RATE_LIMITED: { status: 429, message: "Too many attempts in a short time. Wait a minute, then try again." },
  INTERNAL: { status: 500, message: "Something went wrong on our side. Please try again; if it persists, contact support." },
};

export type FieldErrors = Record<string, string[]>;

export class AppError extends Error {
  readonly userMessage: string;
  readonly fieldErrors: FieldErrors | undefined;
  constructor(
    readonly code: AppErrorCode,
    userMessage?: string,
    options?: { cause?: unknown; fieldErrors?: FieldErrors },
  ) {
    super(userMessage ?? ERROR_TABLE[code].message, { cause: options?.cause });
    this.name = "AppError";
    this.userMessage = userMessage ?? ERROR_TABLE[code].message;
    this.fieldErrors = options?.fieldErrors;
  }
  get status(): number {
    return ERROR_TABLE[this.code].status;
  }
}

/** A zod failure as per-field messages (the form shows each under its field). */
export function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const { fieldErrors } = z.flattenError(error) as { fieldErrors: Record<string, string[] | undefined> };
  return Object.fromEntries(
    Object.entries(fieldErrors).filter((entry): entry is [string, string[]] => Array.isArray(entry[1]) && entry[1].length > 0),
  );
}

export interface PublicError {
  code: AppErrorCode;
  status: number;
  message: string;
  fieldErrors: FieldErrors;
}

/**
 * What a browser may see of any thrown value: an AppError's own message, a zod failure's
 * messages (written for users, in the schemas), and for anything else only the generic text.
 */
export function publicError(error: unknown): PublicError {
  if (error instanceof AppError) {
    return { code: error.code, status: error.status, message: error.userMessage, fieldErrors: error.fieldErrors ?? {} };
  }
  if (error instanceof z.ZodError) {
    const formError = z.flattenError(error).formErrors[0];
    return { code: "VALIDATION", status: ERROR_TABLE.VALIDATION.status, message: formError ?? ERROR_TABLE.VALIDATION.message, fieldErrors: fieldErrorsOf(error) };
  }
  return { code: "INTERNAL", status: ERROR_TABLE.INTERNAL.status, message: ERROR_TABLE.INTERNAL.message, fieldErrors: {} };
}
