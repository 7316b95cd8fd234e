/**
 * Any error from an AWS SDK call, reduced to what the portal stores and shows: the
 * service, AWS's error code and message in full (a KMS AccessDenied names the principal,
 * the action and the key, which is exactly what the customer needs), the request id and
 * the HTTP status. Never a stack trace, never local detail such as socket addresses.
 */
export type AwsServiceName = "s3" | "rds" | "kms" | "sts";

export interface AwsErrorInfo {
  service: AwsServiceName;
  code: string;
  message: string;
  requestId: string | null;
  httpStatus: number | null;
}

const THROTTLING_CODES = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottled",
  "RequestThrottledException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "SlowDown",
  "ProvisionedThroughputExceededException",
  "BandwidthLimitExceeded",
  "PriorRequestNotComplete",
  "EC2ThrottledException",
]);

const SERVER_CODES = new Set([
  "InternalError",
  "InternalFailure",
  "InternalServerError",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "KMSInternalException",
  "DependencyTimeoutException",
  "RequestTimeout",
  "RequestTimeoutException",
]);

/** Errors below HTTP, where AWS never answered. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "TimeoutError",
  "NetworkingError",
  "AbortError",
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function stringField(value: Record<string, unknown>, key: string): string | undefined {
  const field = value[key];
  return typeof field === "string" && field !== "" ? field : undefined;
}

/**
 * S3 reports KMS refusals met on the caller's behalf as `KMS.<KmsCode>` (and access denied
 * as plain `AccessDenied`); the bare KMS code is what decides the meaning.
 */
export function baseErrorCode(code: string): string {
  return code.startsWith("KMS.") ? code.slice(4) : code;
}

function networkCode(error: Record<string, unknown>): string | undefined {
  const own = stringField(error, "code") ?? stringField(error, "errno");
  if (own && NETWORK_CODES.has(own)) return own;
  const name = stringField(error, "name");
  if (name && NETWORK_CODES.has(name)) return name;
  const cause = error.cause;
  if (isRecord(cause)) return networkCode(cause);
  return undefined;
}

export function normalizeAwsError(error: unknown, service: AwsServiceName): AwsErrorInfo {
  if (!isRecord(error)) {
    return { service, code: "UnknownError", message: `The ${service} request failed.`, requestId: null, httpStatus: null };
  }
  const metadata = isRecord(error.$metadata) ? error.$metadata : {};
  const httpStatus = typeof metadata.httpStatusCode === "number" ? metadata.httpStatusCode : null;
  const requestId = stringField(metadata, "requestId") ?? stringField(error, "RequestId") ?? null;
  const hasResponse = httpStatus !== null || "$fault" in error;

  const network = hasResponse ? undefined : networkCode(error);
  if (network) {
    // The raw text would name local addresses and ports; the code says all that matters.
    return {
      service,
      code: network,
      message: `The request to AWS ${service.toUpperCase()} did not get an answer (${network}). AWS may be unreachable or slow at the moment.`,
      requestId,
      httpStatus,
    };
  }

  const code = stringField(error, "Code") ?? stringField(error, "name") ?? "UnknownError";
  const message =
    stringField(error, "message") ?? stringField(error, "Message") ?? `AWS ${service.toUpperCase()} answered ${httpStatus ?? "without a status"} with no message.`;
  return { service, code: code === "Error" ? "UnknownError" : code, message, requestId, httpStatus };
}

/** Worth trying again as is: throttling, AWS-side failures, no answer at all. */
export function isTransientAwsError(info: Pick<AwsErrorInfo, "code" | "httpStatus">): boolean {
  const code = baseErrorCode(info.code);
  if (THROTTLING_CODES.has(code) || SERVER_CODES.has(code) || NETWORK_CODES.has(code)) return true;
  return info.httpStatus !== null && info.httpStatus >= 500;
}

export function isThrottlingCode(code: string): boolean {
  return THROTTLING_CODES.has(baseErrorCode(code));
}

export function isNetworkCode(code: string): boolean {
  return NETWORK_CODES.has(code);
}

/** A normalised AWS error as a throwable, so steps can tell AWS failures from bugs. */
export class AwsCallError extends Error {
  constructor(
    readonly info: AwsErrorInfo,
    readonly operation: string,
  ) {
    super(`${info.service}:${operation} failed: ${info.code}: ${info.message}`);
    this.name = "AwsCallError";
  }
}
