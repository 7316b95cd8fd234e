import "server-only";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { ENVIRONMENT_TAG_KEY, requireEnvironmentId } from "@/lib/byok/values";
import { env } from "@/lib/env";
import { awsClients, buildAwsClients, onDestroyAwsClients, PROVISIONING_PATIENCE, type AwsClients, type ClientPatience } from "./clients";

/**
 * The platform acts for one environment at a time: every AWS call it makes for an environment
 * runs under a session of the platform role tagged `byok-environment=<environment id>`, and the
 * customer's key policies allow the platform role only in sessions tagged with their own
 * environment (lib/byok/policies.ts). The portal's own identity (the SDK's default chain) can
 * only open such sessions; the role's trust policy lets it (`sts:AssumeRole`, `sts:TagSession`).
 */

/** AssumeRole's minimum; the session outlives its reuse below by the SDK's refresh margin and more. */
export const ENVIRONMENT_SESSION_SECONDS = 900;
/** How long one session serves one environment before the next call opens a fresh one. */
export const ENVIRONMENT_SESSION_REUSE_MS = 5 * 60_000;
/** Clients of an environment nobody used for this long are closed. */
const IDLE_CLIENTS_MS = 10 * 60_000;
/**
 * At most this many environments keep clients (four SDK clients each) and sessions: the
 * key-health checks visit every BYOK environment every few minutes, so without a bound a
 * process would hold clients for all of them. The least recently used go first.
 */
export const MAX_CACHED_ENVIRONMENTS = 256;
/** Longer than any call with its retries takes. */
const EVICTED_CLIENTS_GRACE_MS = 2 * 60_000;

export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** The SDK asks for new credentials a few minutes before this. */
  expiration: Date;
}

/** Shows up in CloudTrail (and the sandbox trail) as `assumed-role/<role>/byok-env-<id>`. */
export function environmentSessionName(environmentId: string): string {
  return `byok-env-${requireEnvironmentId(environmentId)}`;
}

interface CachedSession {
  openedAt: number;
  credentials: Promise<SessionCredentials>;
}

const sessions = new Map<string, CachedSession>();
const clientsByEnvironment = new Map<string, { clients: AwsClients; usedAt: number }>();

async function openSession(environmentId: string, region: string): Promise<SessionCredentials> {
  const out = await awsClients(region).sts.send(
    new AssumeRoleCommand({
      RoleArn: env().platformRoleArn,
      RoleSessionName: environmentSessionName(environmentId),
      DurationSeconds: ENVIRONMENT_SESSION_SECONDS,
      Tags: [{ Key: ENVIRONMENT_TAG_KEY, Value: environmentId }],
      // Should the role ever assume another one, the environment goes along and cannot be changed.
      TransitiveTagKeys: [ENVIRONMENT_TAG_KEY],
    }),
  );
  const credentials = out.Credentials;
  if (!credentials?.AccessKeyId || !credentials.SecretAccessKey || !credentials.SessionToken || !credentials.Expiration) {
    throw new Error("STS AssumeRole answered without credentials.");
  }
  return {
    accessKeyId: credentials.AccessKeyId,
    secretAccessKey: credentials.SecretAccessKey,
    sessionToken: credentials.SessionToken,
    expiration: credentials.Expiration,
  };
}

/** The environment's session credentials, reused for a few minutes; concurrent callers share one AssumeRole. */
export function environmentCredentials(environmentId: string, region: string, now = Date.now()): Promise<SessionCredentials> {
  const key = `${environmentId}|${region}`;
  const cached = sessions.get(key);
  if (cached && now - cached.openedAt < ENVIRONMENT_SESSION_REUSE_MS) return cached.credentials;
  const credentials = openSession(environmentId, region);
  const entry = { openedAt: now, credentials };
  sessions.delete(key);
  sessions.set(key, entry);
  // Insertion order is opening order: the oldest sessions go first.
  for (const oldest of sessions.keys()) {
    if (sessions.size <= MAX_CACHED_ENVIRONMENTS) break;
    sessions.delete(oldest);
  }
  // A failed AssumeRole is not cached: the next call tries again.
  credentials.catch(() => {
    if (sessions.get(key) === entry) sessions.delete(key);
  });
  return credentials;
}

function closeIdleClients(now: number): void {
  for (const [key, entry] of clientsByEnvironment) {
    if (now - entry.usedAt < IDLE_CLIENTS_MS) continue;
    destroyClients(entry.clients);
    clientsByEnvironment.delete(key);
  }
}

function destroyClients(clients: AwsClients): void {
  clients.s3.destroy();
  clients.rds.destroy();
  clients.kms.destroy();
  clients.sts.destroy();
}

/**
 * A person waits for the key check: two tries and a few seconds, then "try again" (a
 * provisioning step instead keeps trying for minutes).
 */
export const CHECK_PATIENCE: ClientPatience = { maxAttempts: 2, requestTimeoutMs: 5_000 };

/** The SDK clients that act for one environment: the platform role, in the environment's tagged session. */
export function environmentAwsClients(region: string, environmentId: string, patience: ClientPatience = PROVISIONING_PATIENCE): AwsClients {
  requireEnvironmentId(environmentId);
  const now = Date.now();
  closeIdleClients(now);
  const key = `${region}|${environmentId}|${patience.maxAttempts}|${patience.requestTimeoutMs}|${env().awsEndpoint ?? ""}`;
  const cached = clientsByEnvironment.get(key);
  if (cached) {
    cached.usedAt = now;
    // Moved to the end: the map's order is least recently used first.
    clientsByEnvironment.delete(key);
    clientsByEnvironment.set(key, cached);
    return cached.clients;
  }
  const clients = buildAwsClients(region, () => environmentCredentials(environmentId, region), patience);
  clientsByEnvironment.set(key, { clients, usedAt: now });
  for (const [oldest, entry] of clientsByEnvironment) {
    if (clientsByEnvironment.size <= MAX_CACHED_ENVIRONMENTS) break;
    // A call may still be under way on them (a check retrying a slow AWS): closed a while later.
    setTimeout(() => destroyClients(entry.clients), EVICTED_CLIENTS_GRACE_MS).unref();
    clientsByEnvironment.delete(oldest);
  }
  for (const listener of newClientListeners) listener(clients);
  return clients;
}

const newClientListeners = new Set<(clients: AwsClients) => void>();

/** Called with every environment's clients as they are made (benchmarks add timing middleware). Returns the unsubscribe. */
export function onNewEnvironmentClients(listener: (clients: AwsClients) => void): () => void {
  newClientListeners.add(listener);
  return () => newClientListeners.delete(listener);
}

/** Forgets every session and closes the environments' clients (tests and shutdown; also run by destroyAwsClients). */
export function destroyEnvironmentSessions(): void {
  sessions.clear();
  for (const entry of clientsByEnvironment.values()) destroyClients(entry.clients);
  clientsByEnvironment.clear();
}

onDestroyAwsClients(destroyEnvironmentSessions);
