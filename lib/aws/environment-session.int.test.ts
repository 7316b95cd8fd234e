/** The platform's per-environment sessions against the sandbox: tagged, reused briefly, refreshed after. */
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { RunningSandbox } from "@/sandbox/server";
import { startTestSandbox } from "@/sandbox/test-support";
import { destroyAwsClients } from "./clients";
import { ENVIRONMENT_SESSION_REUSE_MS, environmentAwsClients, environmentCredentials, environmentSessionName, MAX_CACHED_ENVIRONMENTS } from "./environment-session";
import { configurePortalProcess } from "@/lib/provisioning/__testing__/harness";

const ENVIRONMENT_ID = "0f3c6b2e-8d1a-4c5e-9b7f-2a6d8e4c1f90";
const OTHER_ENVIRONMENT_ID = "9a8b7c6d-1e2f-4a3b-8c4d-5e6f7a8b9c0d";
let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  // env() is parsed on first use: the sandbox as the endpoint, the portal's base identity as the default chain.
  configurePortalProcess("postgresql://unused@127.0.0.1:1/unused", sandbox.url);
});

afterAll(async () => {
  destroyAwsClients();
  await sandbox.close();
});

async function sessionsInSandbox(): Promise<Array<{ sessionName: string; tags: Record<string, string>; transitiveTagKeys: string[] }>> {
  const state = (await (await fetch(`${sandbox.url}/_sandbox/state`)).json()) as { sts: { sessions: Record<string, { sessionName: string; tags: Record<string, string>; transitiveTagKeys: string[] }> } };
  return Object.values(state.sts.sessions);
}

test("calls for an environment run as the platform role's session tagged with it; concurrent callers share one AssumeRole", async () => {
  const clients = environmentAwsClients("eu-west-1", ENVIRONMENT_ID);
  const [first, second] = await Promise.all([
    clients.sts.send(new GetCallerIdentityCommand({})),
    clients.kms.config.credentials().then(() => clients.sts.send(new GetCallerIdentityCommand({}))),
  ]);
  expect(first.Arn).toBe(`arn:aws:sts::210987654321:assumed-role/byok-platform/${environmentSessionName(ENVIRONMENT_ID)}`);
  expect(second.Arn).toBe(first.Arn);
  expect(await sessionsInSandbox()).toEqual([expect.objectContaining({ sessionName: `byok-env-${ENVIRONMENT_ID}`, tags: { "byok-environment": ENVIRONMENT_ID }, transitiveTagKeys: ["byok-environment"] })]);

  await environmentAwsClients("eu-west-1", OTHER_ENVIRONMENT_ID).sts.send(new GetCallerIdentityCommand({}));
  expect((await sessionsInSandbox()).map((s) => s.tags["byok-environment"]).sort()).toEqual([ENVIRONMENT_ID, OTHER_ENVIRONMENT_ID].sort());
});

test("a session is reused for a few minutes, then a fresh one is opened", async () => {
  const now = Date.now();
  const reused = await environmentCredentials(ENVIRONMENT_ID, "us-east-1", now);
  expect(await environmentCredentials(ENVIRONMENT_ID, "us-east-1", now + ENVIRONMENT_SESSION_REUSE_MS - 1)).toBe(reused);
  const fresh = await environmentCredentials(ENVIRONMENT_ID, "us-east-1", now + ENVIRONMENT_SESSION_REUSE_MS);
  expect(fresh.accessKeyId).not.toBe(reused.accessKeyId);
  expect(fresh.expiration.getTime()).toBeGreaterThan(Date.now() + ENVIRONMENT_SESSION_REUSE_MS);
});

test("an environment id that is not one is refused before any call", () => {
  expect(() => environmentAwsClients("eu-west-1", "*")).toThrow(/environment id/);
});

test("at most MAX_CACHED_ENVIRONMENTS environments keep clients: the least recently used make way, and work again when next used", async () => {
  const ids = Array.from({ length: MAX_CACHED_ENVIRONMENTS + 2 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
  const first = environmentAwsClients("eu-west-1", ids[0] ?? "");
  for (const id of ids.slice(1)) environmentAwsClients("eu-west-1", id);
  // The first environment's clients made way; asking again builds new ones, which still work.
  const again = environmentAwsClients("eu-west-1", ids[0] ?? "");
  expect(again).not.toBe(first);
  const identity = await again.sts.send(new GetCallerIdentityCommand({}));
  expect(identity.Arn).toBe(`arn:aws:sts::210987654321:assumed-role/byok-platform/${environmentSessionName(ids[0] ?? "")}`);
  // A recent one is still cached.
  expect(environmentAwsClients("eu-west-1", ids.at(-1) ?? "")).toBe(environmentAwsClients("eu-west-1", ids.at(-1) ?? ""));
});
