import "server-only";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { KMSClient } from "@aws-sdk/client-kms";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { env } from "@/lib/env";
import { AWS_CONNECTION_TIMEOUT_MS, AWS_RETRY_MODE, onDestroyAwsClients, type ClientPatience } from "./clients";
import { environmentAwsClients, environmentSessionName, type SessionCredentials } from "./environment-session";

/**
 * Role mode (F8): the platform reaches a customer's key through an IAM role in the customer's
 * account. The environment's own platform session (tagged with the environment, see
 * environment-session.ts) assumes the customer's role with the organization's External ID; the
 * environment tag is transitive, so it stays on the customer-role session as well. The same goes
 * for the role the customer gives for key-use log forwarding.
 */

export interface CustomerRoleTarget {
  environmentId: string;
  region: string;
  roleArn: string;
  externalId: string;
}

/** A chained role session lasts at most an hour; 15 minutes is AssumeRole's minimum. */
export const CUSTOMER_ROLE_SESSION_SECONDS = 900;
const REUSE_MS = 5 * 60_000;
const MAX_CACHED = 256;

interface Cached {
  openedAt: number;
  credentials: Promise<SessionCredentials>;
}

const sessions = new Map<string, Cached>();
const clientSets = new Map<string, CustomerRoleClients>();

function cacheKey(target: CustomerRoleTarget, patience: ClientPatience): string {
  return `${target.environmentId}|${target.region}|${target.roleArn}|${target.externalId}|${patience.maxAttempts}|${patience.requestTimeoutMs}|${env().awsEndpoint ?? ""}`;
}

/** The thrown error of a refused AssumeRole keeps AWS's name and code, so callers can judge it. */
async function assume(target: CustomerRoleTarget, patience: ClientPatience): Promise<SessionCredentials> {
  const sts = environmentAwsClients(target.region, target.environmentId, patience).sts;
  const out = await sts.send(
    new AssumeRoleCommand({
      RoleArn: target.roleArn,
      RoleSessionName: environmentSessionName(target.environmentId),
      ExternalId: target.externalId,
      DurationSeconds: CUSTOMER_ROLE_SESSION_SECONDS,
    }),
  );
  const credentials = out.Credentials;
  if (!credentials?.AccessKeyId || !credentials.SecretAccessKey || !credentials.SessionToken || !credentials.Expiration) {
    throw new Error("STS AssumeRole answered without credentials.");
  }
  return { accessKeyId: credentials.AccessKeyId, secretAccessKey: credentials.SecretAccessKey, sessionToken: credentials.SessionToken, expiration: credentials.Expiration };
}

/** The customer-role session's credentials, reused for a few minutes; a refused AssumeRole is not cached. */
export function customerRoleCredentials(target: CustomerRoleTarget, patience: ClientPatience, now = Date.now()): Promise<SessionCredentials> {
  const key = cacheKey(target, patience);
  const cached = sessions.get(key);
  if (cached && now - cached.openedAt < REUSE_MS) return cached.credentials;
  const entry: Cached = { openedAt: now, credentials: assume(target, patience) };
  sessions.delete(key);
  sessions.set(key, entry);
  for (const oldest of sessions.keys()) {
    if (sessions.size <= MAX_CACHED) break;
    sessions.delete(oldest);
  }
  entry.credentials.catch(() => {
    if (sessions.get(key) === entry) sessions.delete(key);
  });
  return entry.credentials;
}

export interface CustomerRoleClients {
  kms: KMSClient;
  logs: CloudWatchLogsClient;
}

/** KMS and CloudWatch Logs clients acting as the customer's role, for one environment. */
export function customerRoleClients(target: CustomerRoleTarget, patience: ClientPatience): CustomerRoleClients {
  const key = cacheKey(target, patience);
  const cached = clientSets.get(key);
  if (cached) {
    clientSets.delete(key);
    clientSets.set(key, cached);
    return cached;
  }
  const endpoint = env().awsEndpoint;
  const common = {
    region: target.region,
    retryMode: AWS_RETRY_MODE,
    maxAttempts: patience.maxAttempts,
    requestHandler: { connectionTimeout: AWS_CONNECTION_TIMEOUT_MS, requestTimeout: patience.requestTimeoutMs },
    ...(endpoint === undefined ? {} : { endpoint }),
    credentials: () => customerRoleCredentials(target, patience),
  };
  const clients = { kms: new KMSClient(common), logs: new CloudWatchLogsClient(common) };
  clientSets.set(key, clients);
  for (const [oldest, entry] of clientSets) {
    if (clientSets.size <= MAX_CACHED) break;
    clientSets.delete(oldest);
    // A call may still be running on them: closed a while later.
    setTimeout(() => destroy(entry), 2 * 60_000).unref();
  }
  return clients;
}

function destroy(clients: CustomerRoleClients): void {
  clients.kms.destroy();
  clients.logs.destroy();
}

/** Forgets every customer-role session (tests, shutdown, and a changed role or key). */
export function forgetCustomerRoleSessions(environmentId?: string): void {
  for (const key of [...sessions.keys()]) if (environmentId === undefined || key.startsWith(`${environmentId}|`)) sessions.delete(key);
  for (const [key, clients] of [...clientSets]) {
    if (environmentId !== undefined && !key.startsWith(`${environmentId}|`)) continue;
    destroy(clients);
    clientSets.delete(key);
  }
}

onDestroyAwsClients(() => forgetCustomerRoleSessions());
