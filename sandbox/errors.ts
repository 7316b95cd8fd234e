/**
 * The one error type service handlers throw. The protocol layer turns it into the
 * wire shape of the service (JSON `__type`, query `<ErrorResponse>`, S3 `<Error>`).
 */
export class ServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = 400,
    /** Extra response headers (S3 `x-amz-bucket-region`, `Retry-After`…). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ServiceError";
  }
}

export function validationException(message: string): ServiceError {
  return new ServiceError("ValidationException", message, 400);
}
