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

/** Credentials other than the default chain's: a role session's (lib/aws/environment-session.ts). */
export type CredentialsProvider = () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date }>;

/** How hard a set of clients tries: provisioning waits out trouble, a form's check answers quickly. */
export interface ClientPatience {
  maxAttempts: number;
  requestTimeoutMs: number;
}

export const PROVISIONING_PATIENCE: ClientPatience = { maxAttempts: AWS_MAX_ATTEMPTS, requestTimeoutMs: AWS_REQUEST_TIMEOUT_MS };

/** A new set of clients for a region; `credentials` unset: the SDK's default chain. */
export function buildAwsClients(region: string, credentials?: CredentialsProvider, patience: ClientPatience = PROVISIONING_PATIENCE): AwsClients {
  const endpoint = env().awsEndpoint;
  const common = {
    region,
    retryMode: AWS_RETRY_MODE,
    maxAttempts: patience.maxAttempts,
    requestHandler: { connectionTimeout: AWS_CONNECTION_TIMEOUT_MS, requestTimeout: patience.requestTimeoutMs },
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(credentials === undefined ? {} : { credentials }),
  };
  return {
    region,
    // A custom endpoint (the sandbox, LocalStack) serves buckets by path, not by virtual host.
    s3: new S3Client({ ...common, forcePathStyle: endpoint !== undefined }),
    rds: new RDSClient(common),
    kms: new KMSClient(common),
    sts: new STSClient(common),
  };
}

/**
 * The portal's own clients, under its base identity. On customer keys that identity can do
 * nothing: it opens the environments' role sessions (environmentAwsClients) with its STS client.
 */
export function awsClients(region: string): AwsClients {
  const cacheKey = `${region}|${env().awsEndpoint ?? ""}`;
  const cached = cache.get(cacheKey);
  if (cached) return cached;
  const clients = buildAwsClients(region);
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
  for (const cleanup of cleanups) cleanup();
}

const cleanups = new Set<() => void>();

/** environment-session.ts and customer-role.ts register their cleanups here, so one destroyAwsClients() closes everything. */
export function onDestroyAwsClients(cleanup: () => void): void {
  cleanups.add(cleanup);
}
