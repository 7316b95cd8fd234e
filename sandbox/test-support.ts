/** Test helpers: start a sandbox on a free port and build real SDK clients for an identity. */
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { KMSClient } from "@aws-sdk/client-kms";
import { RDSClient } from "@aws-sdk/client-rds";
import { S3Client } from "@aws-sdk/client-s3";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { ENVIRONMENT_TAG_KEY, PLATFORM_ROLE_ARN } from "./identities";
import { type RunningSandbox, type SandboxOptions, startSandbox } from "./server";

export type Identity = "customer" | "other-customer" | "platform";

export interface ClientSet {
  kms: KMSClient;
  s3: S3Client;
  rds: RDSClient;
  sts: STSClient;
  cloudformation: CloudFormationClient;
}

export function clientsFor(url: string, identity: Identity | string, region = "us-east-1"): ClientSet {
  return clientsWithCredentials(url, { accessKeyId: identity, secretAccessKey: identity }, region);
}

export function clientsWithCredentials(url: string, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, region = "us-east-1"): ClientSet {
  const config = { region, endpoint: url, credentials, maxAttempts: 1 };
  return {
    kms: new KMSClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    rds: new RDSClient(config),
    sts: new STSClient(config),
    cloudformation: new CloudFormationClient(config),
  };
}

/**
 * The platform as the portal runs it: its base identity (`platform`) assumes the platform role
 * with the session tag `byok-environment=<environmentId>`; `tags: {}` opens an untagged session.
 */
export async function platformSession(url: string, environmentId: string, region = "us-east-1", tags?: Record<string, string>): Promise<ClientSet> {
  const base = clientsFor(url, "platform", region);
  try {
    const sessionTags = tags ?? { [ENVIRONMENT_TAG_KEY]: environmentId };
    const out = await base.sts.send(
      new AssumeRoleCommand({
        RoleArn: PLATFORM_ROLE_ARN,
        RoleSessionName: `byok-env-${environmentId}`,
        Tags: Object.entries(sessionTags).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error("AssumeRole returned no credentials");
    return clientsWithCredentials(url, { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken }, region);
  } finally {
    base.sts.destroy();
  }
}

export async function startTestSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  return startSandbox({ port: 0, rdsCreateDelayMs: 100, ...options });
}

export interface CaughtError {
  name: string;
  message: string;
  status: number | undefined;
}

/** Runs `fn`, expecting it to fail; returns the AWS error's name, message and HTTP status. */
export async function awsError(fn: () => Promise<unknown>): Promise<CaughtError> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof Error) {
      const meta = (error as Error & { $metadata?: { httpStatusCode?: number } }).$metadata;
      return { name: error.name, message: error.message, status: meta?.httpStatusCode };
    }
    throw error;
  }
  throw new Error("expected the call to fail");
}

export async function sandboxJson<T>(url: string, path: string, init?: { method?: string; body?: unknown }): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    method: init?.method ?? "GET",
    headers: init?.body === undefined ? undefined : { "content-type": "application/json" },
    body: init?.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return (await res.json()) as T;
}

/**
 * A raw HTTP call as an identity, to look at the wire itself: a SigV4-shaped Authorization
 * header (the sandbox reads the credential scope; it does not verify signatures).
 */
export async function rawCall(
  url: string,
  request: { identity: Identity; service: string; region?: string; method?: string; path?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const scope = `${request.identity}/20240101/${request.region ?? "us-east-1"}/${request.service}/aws4_request`;
  const res = await fetch(`${url}${request.path ?? "/"}`, {
    method: request.method ?? "POST",
    headers: { authorization: `AWS4-HMAC-SHA256 Credential=${scope}, SignedHeaders=host, Signature=0`, ...request.headers },
    body: request.body,
  });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** A KMS JSON 1.1 call over the raw wire. */
export function rawKmsCall(url: string, identity: Identity, operation: string, input: Record<string, unknown>, region?: string): ReturnType<typeof rawCall> {
  return rawCall(url, {
    identity,
    service: "kms",
    region,
    headers: { "x-amz-target": `TrentService.${operation}`, "content-type": "application/x-amz-json-1.1" },
    body: JSON.stringify(input),
  });
}
