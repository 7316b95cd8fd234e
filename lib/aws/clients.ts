import "server-only";
import { KMSClient } from "@aws-sdk/client-kms";
import { RDSClient } from "@aws-sdk/client-rds";
import { S3Client } from "@aws-sdk/client-s3";
import { STSClient } from "@aws-sdk/client-sts";
import { env } from "@/lib/env";

/**
 * The one place that builds the platform's AWS clients. Credentials come from the SDK's
 * default chain (environment, shared config, container or instance role), so the same
 * code runs against real AWS and, with AWS_ENDPOINT_URL set, against the sandbox.
 */
export interface AwsClients {
  region: string;
  s3: S3Client;
  rds: RDSClient;
  kms: KMSClient;
  sts: STSClient;
}

/**
 * Standard mode: capped exponential backoff with full jitter for throttling, 5xx and
 * transient network errors, a few more tries than the default 3. Not adaptive mode: its
 * client-side rate limiter belongs to the client, and one client serves every environment in
 * a Region, while KMS throttles per customer account and key — one customer's throttled key
 * would slow every other customer's provisioning (measured: with half of one service's calls
 * throttled the limiter fell to its floor of one call every two seconds for everyone).
 * Bounded: a call that still fails after this many tries goes back to the step, which keeps
 * trying temporary failures, with its own backoff, for a much longer budget.
 */
export const AWS_MAX_ATTEMPTS = 6;
export const AWS_RETRY_MODE = "standard";
/**
 * Without limits a half-open connection would hang a step forever. A timed-out call is a
 * temporary failure like any other (lib/aws/errors.ts) and is tried again.
 */
export const AWS_CONNECTION_TIMEOUT_MS = 5_000;
export const AWS_REQUEST_TIMEOUT_MS = 60_000;

const cache = new Map<string, AwsClients>();

export function awsClients(region: string): AwsClients {
  const endpoint = env().awsEndpoint;
  const cacheKey = `${region}|${endpoint ?? ""}`;
  const cached = cache.get(cacheKey);
  if (cached) return cached;
  const common = {
    region,
    retryMode: AWS_RETRY_MODE,
    maxAttempts: AWS_MAX_ATTEMPTS,
    requestHandler: { connectionTimeout: AWS_CONNECTION_TIMEOUT_MS, requestTimeout: AWS_REQUEST_TIMEOUT_MS },
    ...(endpoint === undefined ? {} : { endpoint }),
  };
  const clients: AwsClients = {
    region,
    // A custom endpoint (the sandbox, LocalStack) serves buckets by path, not by virtual host.
    s3: new S3Client({ ...common, forcePathStyle: endpoint !== undefined }),
    rds: new RDSClient(common),
    kms: new KMSClient(common),
    sts: new STSClient(common),
  };
  cache.set(cacheKey, clients);
  return clients;
}

/** Closes every cached client's sockets (tests and shutdown). */
export function destroyAwsClients(): void {
  for (const clients of cache.values()) {
    clients.s3.destroy();
    clients.rds.destroy();
    clients.kms.destroy();
    clients.sts.destroy();
  }
  cache.clear();
}
