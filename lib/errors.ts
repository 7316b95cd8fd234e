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
  | "INTERNAL";

const statusByCode: Record<AppErrorCode, number> = {
  UNAUTHENTICATED: 401,
  NOT_FOUND: 404,
  FORBIDDEN: 403,
  VALIDATION: 400,
  CONFLICT: 409,
  INTERNAL: 500,
};

const defaultMessage: Record<AppErrorCode, string> = {
  UNAUTHENTICATED: "Please sign in to continue.",
  NOT_FOUND: "We could not find that page.",
  FORBIDDEN: "You do not have access to this.",
  VALIDATION: "Some of the values are not valid.",
  CONFLICT: "This changed in the meantime; reload the page and try again.",
  INTERNAL: "Something went wrong on our side. Please try again; if it persists, contact support.",
};

export class AppError extends Error {
  readonly userMessage: string;
  constructor(
    readonly code: AppErrorCode,
    userMessage?: string,
    options?: { cause?: unknown; fieldErrors?: Record<string, string[]> },
  ) {
    super(userMessage ?? defaultMessage[code], { cause: options?.cause });
    this.name = "AppError";
    this.userMessage = userMessage ?? defaultMessage[code];
    this.fieldErrors = options?.fieldErrors;
  }
  readonly fieldErrors: Record<string, string[]> | undefined;
  get status(): number {
    return statusByCode[this.code];
  }
}

/** What a browser may see of any thrown value. */
export function publicError(error: unknown): { code: AppErrorCode; status: number; message: string } {
  if (error instanceof AppError) return { code: error.code, status: error.status, message: error.userMessage };
  return { code: "INTERNAL", status: 500, message: defaultMessage.INTERNAL };
}
