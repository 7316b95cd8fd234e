/**
 * Key-use log forwarding end to end against the sandbox: the customer makes a log group and a
 * log role (role mode's trust policy with their External ID, the permissions from
 * documents.ts) with their own credentials; the platform records key uses, forwards them as
 * that role, and the customer reads them back with the AWS CLI. A role the platform cannot
 * assume keeps the events pending with a message the customer can act on; once fixed, the next
 * run delivers every one of them exactly once.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { randomBytes, randomUUID } from "node:crypto";
import { CloudWatchLogsClient, CreateLogGroupCommand } from "@aws-sdk/client-cloudwatch-logs";
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand, UpdateAssumeRolePolicyCommand } from "@aws-sdk/client-iam";
import { describe, expect, test, vi } from "vitest";
import { roleTrustPolicy } from "@/lib/byok/role-mode";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { createDraft, CUSTOMER_ACCOUNT_ID, customerCaller, harnessForFile, seedOrganization } from "@/lib/provisioning/__testing__/harness";
import { keyUseLogStreamName, logRolePermissionsPolicy } from "./documents";
import { forwardOnce, startKeyUseLogForwarder } from "./forwarder";
import { recordKeyUse, recordKeyUses, type KeyUse, type KeyUseEnvironment, type KeyUseRecorderClient } from "./record";
import { readLogForwarding } from "./status";

const run = promisify(execFile);
const REGION = "eu-west-1";
const KEY_ARN = `arn:aws:kms:${REGION}:${CUSTOMER_ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

const harness = harnessForFile();

const customerCredentials = { accessKeyId: "customer", secretAccessKey: "customer" };
const customerLogs = () => new CloudWatchLogsClient({ region: REGION, endpoint: harness().sandboxUrl, credentials: customerCredentials, maxAttempts: 1 });
const customerIam = () => new IAMClient({ region: "us-east-1", endpoint: harness().sandboxUrl, credentials: customerCredentials, maxAttempts: 1 });

const newExternalId = () => `byok-${randomBytes(18).toString("base64url")}`;

interface Setup {
  environment: KeyUseEnvironment;
  userId: string;
  externalId: string;
  tenant: string;
  groupName: string;
  groupArn: string;
  roleName: string;
  roleArn: string;
}

function trustPolicy(setup: { externalId: string; tenant: string }): string {
  const config = env();
  return JSON.stringify(
    roleTrustPolicy({ partition: config.partition, platformAccountId: config.platformAccountId, platformRoleArn: config.platformRoleArn, externalId: setup.externalId, tenant: setup.tenant }),
  );
}

/**
 * An organization with its External ID and an environment with forwarding set up; the customer
 * makes the group and the role as told, unless `trustedExternalId` (the ID the role's trust
 * policy names) or `permissions` (the role's policy) say otherwise, or `createGroup` is false.
 */
async function setUp(options: { trustedExternalId?: string; permissions?: object; createGroup?: boolean } = {}): Promise<Setup> {
  const org = await seedOrganization("logs");
  const externalId = newExternalId();
  await db().organization.update({ where: { id: org.organizationId }, data: { externalId } });
  const environmentId = await createDraft(org, { region: REGION });
  const unique = randomUUID().slice(0, 8);
  const groupName = `/byok/key-use-${unique}`;
  const groupArn = `arn:aws:logs:${REGION}:${CUSTOMER_ACCOUNT_ID}:log-group:${groupName}`;
  const roleName = `byok-key-use-log-${unique}`;
  const roleArn = `arn:aws:iam::${CUSTOMER_ACCOUNT_ID}:role/${roleName}`;
  if (options.createGroup !== false) await customerLogs().send(new CreateLogGroupCommand({ logGroupName: groupName }));
  await customerIam().send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: trustPolicy({ externalId: options.trustedExternalId ?? externalId, tenant: org.slug }) }));
  await customerIam().send(
    new PutRolePolicyCommand({ RoleName: roleName, PolicyName: "forward-key-use", PolicyDocument: JSON.stringify(options.permissions ?? logRolePermissionsPolicy({ logGroupArn: groupArn })) }),
  );
  // The customer pastes the ARN as the console shows it, with the trailing :*.
  const environment = await db().environment.update({
    where: { id: environmentId },
    data: { logGroupArn: `${groupArn}:*`, logRoleArn: roleArn },
    select: { id: true, organizationId: true, logGroupArn: true },
  });
  return { environment, userId: org.userId, externalId, tenant: org.slug, groupName, groupArn, roleName, roleArn };
}

function keyUse(secondsAgo: number, overrides: Partial<KeyUse> = {}): KeyUse {
  return {
    occurredAt: new Date(Date.now() - secondsAgo * 1000),
    action: "GenerateDataKey",
    keyArn: KEY_ARN,
    encryptionContext: { tenant: "acme" },
    requestId: randomUUID(),
    outcome: "success",
    ...overrides,
  };
}

interface ReadEvent {
  timestamp: number;
  message: string;
}

/** The stream's events, read by the customer with the AWS CLI (none of the portal's AWS settings). */
async function readWithCli(setup: Setup): Promise<ReadEvent[]> {
  const cliEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(cliEnv)) if (name.startsWith("AWS_")) delete cliEnv[name];
  const { stdout } = await run(
    "/usr/bin/aws",
    [
      "logs",
      "get-log-events",
      "--log-group-name",
      setup.groupName,
      "--log-stream-name",
      keyUseLogStreamName(setup.environment.id),
      "--start-from-head",
      "--endpoint-url",
      harness().sandboxUrl,
      "--region",
      REGION,
      "--output",
      "json",
    ],
    { env: { ...cliEnv, AWS_ACCESS_KEY_ID: "customer", AWS_SECRET_ACCESS_KEY: "customer", AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null" } },
  );
  return (JSON.parse(stdout) as { events: ReadEvent[] }).events;
}

/** What the customer should find for a recorded use. */
function expected(setup: Setup, use: KeyUse) {
  return {
    time: use.occurredAt.toISOString(),
    action: use.action,
    keyArn: use.keyArn,
    encryptionContext: use.encryptionContext,
    requestId: use.requestId,
    outcome: use.outcome,
    environmentId: setup.environment.id,
  };
}

const pendingOf = (environmentId: string) => db().keyUseEvent.count({ where: { environmentId, deliveredAt: null } });
/** forwardOnce's results for one environment (other tests' environments may be claimed in the same pass). */
const resultFor = (results: Awaited<ReturnType<typeof forwardOnce>>, environmentId: string) => results.find((result) => result.environmentId === environmentId);
const later = (ms: number) => () => new Date(Date.now() + ms);

describe("key-use log forwarding", () => {
  test("events reach the customer's log group as the log role, chronologically, each field intact, and only once", async () => {
    const setup = await setUp();
    // Recorded out of order: the log gets them by time.
    const uses = [
      keyUse(30, { action: "Decrypt", encryptionContext: { tenant: "acme", "aws:s3:arn": "arn:aws:s3:::bucket/object" } }),
      keyUse(90, { action: "DescribeKey", encryptionContext: {} }),
      keyUse(60, { action: "GenerateDataKey", outcome: "AccessDeniedException", requestId: null }),
    ];
    await recordKeyUses(setup.environment, uses.slice(0, 2));
    await recordKeyUse(setup.environment, uses[2] ?? keyUse(0));

    const results = await forwardOnce({ database: db() });
    expect(resultFor(results, setup.environment.id)).toEqual({ environmentId: setup.environment.id, delivered: 3, more: false, error: null });

    const read = await readWithCli(setup);
    const byTime = [...uses].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
    expect(read.map((event) => JSON.parse(event.message) as unknown)).toEqual(byTime.map((use) => expected(setup, use)));
    expect(read.map((event) => event.timestamp)).toEqual(byTime.map((use) => use.occurredAt.getTime()));

    expect(await pendingOf(setup.environment.id)).toBe(0);
    const status = await readLogForwarding(await customerCaller(setup.userId), setup.environment.id);
    expect(status).toMatchObject({ logGroupArn: `${setup.groupArn}:*`, logRoleArn: setup.roleArn, lastDeliveredCount: 3, pendingCount: 0, lastError: null, failures: 0 });
    expect(status.lastDeliveredAt).not.toBeNull();

    // Nothing pending: a later pass sends nothing again; a new use goes into the same stream.
    expect(resultFor(await forwardOnce({ database: db(), clock: later(60_000) }), setup.environment.id)).toBeUndefined();
    const fourth = keyUse(1, { action: "Decrypt" });
    await recordKeyUse(setup.environment, fourth);
    expect(resultFor(await forwardOnce({ database: db() }), setup.environment.id)?.delivered).toBe(1);
    const again = await readWithCli(setup);
    expect(again.map((event) => JSON.parse(event.message) as unknown)).toEqual([...byTime, fourth].map((use) => expected(setup, use)));
  });

  test("a role whose trust policy has another External ID: the error names the problem, events stay pending; once fixed, the next run delivers them, none lost or duplicated", async () => {
    const setup = await setUp({ trustedExternalId: newExternalId() });
    const first = [keyUse(50), keyUse(40, { action: "Decrypt" })];
    await recordKeyUses(setup.environment, first);

    // The forwarder's clock, fixed to this test's start: the backoff is judged on it alone.
    const base = Date.now();
    const at = (ms: number) => () => new Date(base + ms);
    const failed = resultFor(await forwardOnce({ database: db(), clock: at(0) }), setup.environment.id);
    const message = `The platform could not assume the log role ${setup.roleArn} with your External ID: check that the role exists and that its trust policy names the platform role with your External ID.`;
    expect(failed).toEqual({ environmentId: setup.environment.id, delivered: 0, more: false, error: message });
    expect(await pendingOf(setup.environment.id)).toBe(2);
    const caller = await customerCaller(setup.userId);
    const status = await readLogForwarding(caller, setup.environment.id);
    expect(status).toMatchObject({ lastError: message, failures: 1, pendingCount: 2, lastDeliveredAt: null });
    const retryAt = new Date(status.nextAttemptAt ?? 0).getTime() - new Date(status.lastErrorAt ?? 0).getTime();
    expect(retryAt).toBe(5_000);

    // Not due yet: the backoff holds.
    expect(resultFor(await forwardOnce({ database: db(), clock: at(4_999) }), setup.environment.id)).toBeUndefined();
    // Due, still broken: the wait doubles.
    expect(resultFor(await forwardOnce({ database: db(), clock: at(5_000) }), setup.environment.id)?.error).toBe(message);
    const twice = await readLogForwarding(caller, setup.environment.id);
    expect(twice.failures).toBe(2);
    expect(new Date(twice.nextAttemptAt ?? 0).getTime() - new Date(twice.lastErrorAt ?? 0).getTime()).toBe(10_000);

    // More uses while it is broken; then the customer fixes the trust policy.
    const second = keyUse(30, { action: "DescribeKey", encryptionContext: {} });
    await recordKeyUse(setup.environment, second);
    await customerIam().send(new UpdateAssumeRolePolicyCommand({ RoleName: setup.roleName, PolicyDocument: trustPolicy(setup) }));

    expect(resultFor(await forwardOnce({ database: db(), clock: at(14_999) }), setup.environment.id)).toBeUndefined();
    const fixed = resultFor(await forwardOnce({ database: db(), clock: at(15_000) }), setup.environment.id);
    expect(fixed).toEqual({ environmentId: setup.environment.id, delivered: 3, more: false, error: null });
    const read = await readWithCli(setup);
    expect(read.map((event) => JSON.parse(event.message) as unknown)).toEqual([...first, second].map((use) => expected(setup, use)));
    expect(await readLogForwarding(caller, setup.environment.id)).toMatchObject({ lastError: null, lastErrorAt: null, failures: 0, pendingCount: 0, lastDeliveredCount: 3 });
  });

  test.each([
    [
      "the log group does not exist",
      { createGroup: false },
      (setup: Setup) => `The log group ${setup.groupArn} does not exist: create it in ${REGION} of account ${CUSTOMER_ACCOUNT_ID}, or change the log group ARN.`,
    ],
    [
      "the role's policy lacks logs:PutLogEvents",
      { permissions: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["logs:CreateLogStream"], Resource: "*" }] } },
      (setup: Setup) => `The log role may not write to the log group: its policy lacks logs:PutLogEvents on ${setup.groupArn}.`,
    ],
  ])("%s: the customer is told so, the events wait", async (_name, options, message) => {
    const setup = await setUp(options);
    await recordKeyUse(setup.environment, keyUse(5));
    const result = resultFor(await forwardOnce({ database: db() }), setup.environment.id);
    expect(result?.error).toBe(message(setup));
    expect(await pendingOf(setup.environment.id)).toBe(1);
    expect((await readLogForwarding(await customerCaller(setup.userId), setup.environment.id)).lastError).toBe(message(setup));
  });

  test("two forwarders at once share the work: every event is delivered exactly once", async () => {
    const setups = await Promise.all([setUp(), setUp(), setUp()]);
    const uses = new Map(setups.map((setup, i) => [setup.environment.id, Array.from({ length: 4 + i }, (_, n) => keyUse(100 - n))]));
    for (const setup of setups) await recordKeyUses(setup.environment, uses.get(setup.environment.id) ?? []);

    const [a, b] = await Promise.all([forwardOnce({ database: db() }), forwardOnce({ database: db() })]);
    const claimed = [...(a ?? []), ...(b ?? [])].map((result) => result.environmentId).filter((id) => uses.has(id));
    expect(claimed.sort()).toEqual([...uses.keys()].sort());
    for (const setup of setups) {
      const read = await readWithCli(setup);
      expect(read.map((event) => JSON.parse(event.message) as unknown)).toEqual((uses.get(setup.environment.id) ?? []).map((use) => expected(setup, use)));
    }
  });

  test("more than one pass's worth goes out in 500-event passes, oldest first", async () => {
    const setup = await setUp();
    const uses = Array.from({ length: 620 }, (_, n) => keyUse(1_000 - n, { requestId: `req-${n}` }));
    await recordKeyUses(setup.environment, uses);
    expect(resultFor(await forwardOnce({ database: db() }), setup.environment.id)).toMatchObject({ delivered: 500, more: true, error: null });
    expect(resultFor(await forwardOnce({ database: db() }), setup.environment.id)).toMatchObject({ delivered: 120, more: false, error: null });
    const read = await readWithCli(setup);
    expect(read.map((event) => (JSON.parse(event.message) as { requestId: string }).requestId)).toEqual(uses.map((use) => use.requestId));
  });

  test("the background forwarder runs a pass as it starts, and stop() waits for it to finish", async () => {
    const setup = await setUp();
    const use = keyUse(2);
    await recordKeyUse(setup.environment, use);
    const lines: string[] = [];
    const forwarder = startKeyUseLogForwarder({ database: db(), pollIntervalMs: 3_600_000, log: (line) => lines.push(line) });
    await forwarder.stop();
    expect(lines).toEqual([]);
    expect(await pendingOf(setup.environment.id)).toBe(0);
    expect((await readWithCli(setup)).map((event) => JSON.parse(event.message) as unknown)).toEqual([expected(setup, use)]);
  });

  test("recording: nothing without a log group, and a failing database never reaches the caller", async () => {
    const setup = await setUp();
    await recordKeyUse({ ...setup.environment, logGroupArn: null }, keyUse(1));
    expect(await db().keyUseEvent.count({ where: { environmentId: setup.environment.id } })).toBe(0);

    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const broken = { keyUseEvent: { createMany: () => Promise.reject(new Error("connection refused\n    at internal stack")) } } as unknown as KeyUseRecorderClient;
      await expect(recordKeyUse(setup.environment, keyUse(1), broken)).resolves.toBeUndefined();
      // An environment that does not exist (a foreign key violation) is refused by the database, not thrown.
      await expect(recordKeyUse({ ...setup.environment, id: randomUUID() }, keyUse(1))).resolves.toBeUndefined();
      expect(logged.mock.calls.map((call) => String(call[0]))).toEqual([
        `[key-use-log] could not record 1 key use(s) of environment ${setup.environment.id}: connection refused`,
        expect.stringMatching(/^\[key-use-log\] could not record 1 key use\(s\) of environment [0-9a-f-]{36}: /),
      ]);
    } finally {
      logged.mockRestore();
    }
  });

  test("another organization's member cannot read an environment's forwarding status", async () => {
    const setup = await setUp();
    const stranger = await seedOrganization("stranger");
    await expect(readLogForwarding(await customerCaller(stranger.userId), setup.environment.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
