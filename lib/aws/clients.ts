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
 * Adaptive mode adds client-side rate limiting on top of the standard retries, so a burst
 * of provisioning runs backs off together when KMS or RDS throttles. Bounded: a call that
 * still fails after this many tries is reported to the step, which decides what to do.
 */
export const AWS_MAX_ATTEMPTS = 4;
export const AWS_RETRY_MODE = "adaptive";

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
