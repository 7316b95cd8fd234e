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
  "RequestTimeout",
  "ECONNABORTED",
  "UND_ERR_SOCKET",
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

  const rawMessage = stringField(error, "message") ?? stringField(error, "Message");
  const rawCode = stringField(error, "Code") ?? stringField(error, "name");
  if (isUnreadableAnswer(rawCode, rawMessage)) {
    // The SDK's parser text names its internals and hides the real problem: whatever answered
    // (AWS, a proxy, a load balancer) sent something that is not an AWS response.
    return {
      service,
      code: MALFORMED_RESPONSE,
      message: `AWS ${service.toUpperCase()} sent an answer that could not be read${httpStatus === null ? "" : ` (HTTP ${httpStatus})`}: it was cut off or not in AWS's format, as when a proxy or load balancer answers instead of AWS.`,
      requestId,
      httpStatus,
    };
  }
  const code = rawCode ?? "UnknownError";
  const message = rawMessage ?? `AWS ${service.toUpperCase()} answered ${httpStatus ?? "without a status"} with no message.`;
  return { service, code: code === "Error" ? "UnknownError" : code, message, requestId, httpStatus };
}

/** Our code for an answer the SDK could not parse (an HTML error page, a truncated or empty body). */
export const MALFORMED_RESPONSE = "MalformedResponse";

/**
 * The SDK adds this hint to every error raised while parsing an answer; an HTML page from a
 * proxy surfaces as the code "Unknown" with the message "Unknown"/"UnknownError".
 */
function isUnreadableAnswer(code: string | undefined, message: string | undefined): boolean {
  if (message?.includes("Deserialization error")) return true;
  return (code === "Unknown" || code === "UnknownError") && (message === undefined || message === "Unknown" || message === "UnknownError");
}

/**
 * How the platform treats a failed AWS call (AWS's guidance on retries: "Error retries and
 * exponential backoff in AWS"): temporary trouble — throttling, AWS-side 5xx, no answer or
 * an unreadable one — is tried again with backoff; anything else (access denied, invalid
 * state, not found, validation) is permanent and reported as it is.
 */
export type AwsErrorKind = "temporary" | "permanent";

export function classifyAwsError(info: Pick<AwsErrorInfo, "code" | "httpStatus">): AwsErrorKind {
  const code = baseErrorCode(info.code);
  if (THROTTLING_CODES.has(code) || SERVER_CODES.has(code) || NETWORK_CODES.has(code) || code === MALFORMED_RESPONSE) return "temporary";
  return info.httpStatus !== null && info.httpStatus >= 500 ? "temporary" : "permanent";
}

/** Worth trying again as is: throttling, AWS-side failures, no answer at all, an unreadable answer. */
export function isTransientAwsError(info: Pick<AwsErrorInfo, "code" | "httpStatus">): boolean {
  return classifyAwsError(info) === "temporary";
}

/**
 * An answer that parsed but lacks what every real answer to this operation carries (an
 * empty 200 from something in the way): temporary, like any other unreadable answer.
 */
export function malformedAnswer(service: AwsServiceName, operation: string, requestId: string | null): AwsErrorInfo {
  return {
    service,
    code: MALFORMED_RESPONSE,
    message: `AWS ${service.toUpperCase()} answered ${operation} without the data every answer to it carries: the answer was empty or incomplete.`,
    requestId,
    httpStatus: 200,
  };
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
