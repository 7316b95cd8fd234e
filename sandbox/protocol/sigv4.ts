/**
 * Reads who is calling from a SigV4-signed request: the access key id, region and service
 * of the credential scope, from the Authorization header or a presigned URL's query.
 * Signatures are not verified: the sandbox's secrets are public by design.
 */
export interface Credential {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

const CREDENTIAL = /Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request/;

export function readCredential(authorization: string | undefined, query: URLSearchParams): Credential | undefined {
  if (authorization && authorization.startsWith("AWS4-HMAC-SHA256")) {
    const m = CREDENTIAL.exec(authorization);
    if (m) return { accessKeyId: m[1] ?? "", date: m[2] ?? "", region: m[3] ?? "", service: m[4] ?? "" };
  }
  const presigned = query.get("X-Amz-Credential");
  if (presigned) {
    const m = CREDENTIAL.exec(`Credential=${presigned}`);
    if (m) return { accessKeyId: m[1] ?? "", date: m[2] ?? "", region: m[3] ?? "", service: m[4] ?? "" };
  }
  return undefined;
}

/** Whether the request carries some other authentication (SigV2, a malformed header). */
export function hasAuthorization(authorization: string | undefined, query: URLSearchParams): boolean {
  return Boolean(authorization) || query.has("X-Amz-Credential") || query.has("AWSAccessKeyId");
}
