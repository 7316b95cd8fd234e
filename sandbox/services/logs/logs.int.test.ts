/**
 * CloudWatch Logs through the real SDK, and key-use log forwarding as role mode does it: the
 * platform, through a customer role allowed to create streams and put events on one group,
 * writes there and nowhere else; the customer reads the events with the AWS CLI.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { CUSTOMER_ACCOUNT_ID, PLATFORM_ROLE_ARN } from "../../identities";
import type { RunningSandbox } from "../../server";
import { awsError, platformSession, startTestSandbox } from "../../test-support";

const run = promisify(execFile);
const REGION = "eu-west-1";
const GROUP = "/byok/key-use";
const EXTERNAL_ID = "byok-logs-5a1e0c9d7b3f4e2a";
const ROLE_ARN = `arn:aws:iam::${CUSTOMER_ACCOUNT_ID}:role/byok-log-forwarding`;
const HOUR = 3_600_000;

let sandbox: RunningSandbox;
let customer: CloudWatchLogsClient;

function logsClient(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): CloudWatchLogsClient {
  return new CloudWatchLogsClient({ region: REGION, endpoint: sandbox.url, credentials, maxAttempts: 1 });
}

beforeAll(async () => {
  sandbox = await startTestSandbox();
  customer = logsClient({ accessKeyId: "customer", secretAccessKey: "customer" });
});
afterAll(async () => sandbox.close());
beforeEach(() => sandbox.reset());

async function groupWithStream(stream = "s1"): Promise<void> {
  await customer.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
  await customer.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: stream }));
}

describe("log groups, streams and events", () => {
  test("put events, read them forwards and backwards with tokens, filter them, describe the group", async () => {
    await groupWithStream();
    const now = Date.now();
    const events = Array.from({ length: 5 }, (_, i) => ({ timestamp: now - 5000 + i * 1000, message: `event ${i} ${i % 2 === 0 ? "Decrypt" : "GenerateDataKey"}` }));
    const put = await customer.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: "s1", logEvents: events }));
    expect(put.rejectedLogEventsInfo).toBeUndefined();

    const head = await customer.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: "s1", startFromHead: true, limit: 2 }));
    expect(head.events?.map((e) => e.message)).toEqual(["event 0 Decrypt", "event 1 GenerateDataKey"]);
    const next = await customer.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: "s1", nextToken: head.nextForwardToken, limit: 2 }));
    expect(next.events?.map((e) => e.message)).toEqual(["event 2 Decrypt", "event 3 GenerateDataKey"]);
    const last = await customer.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: "s1", nextToken: next.nextForwardToken, limit: 2 }));
    expect(last.events?.map((e) => e.message)).toEqual(["event 4 Decrypt"]);
    // At the end, the forward token stays the same: that is how a reader knows it has caught up.
    const end = await customer.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: "s1", nextToken: last.nextForwardToken }));
    expect(end.events).toEqual([]);
    expect(end.nextForwardToken).toBe(last.nextForwardToken);
    // Without startFromHead, the newest events come first (in chronological order), then older ones backwards.
    const tail = await customer.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: "s1", limit: 2 }));
    expect(tail.events?.map((e) => e.message)).toEqual(["event 3 GenerateDataKey", "event 4 Decrypt"]);
    const before = await customer.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: "s1", nextToken: tail.nextBackwardToken, limit: 2 }));
    expect(before.events?.map((e) => e.message)).toEqual(["event 1 GenerateDataKey", "event 2 Decrypt"]);

    const filtered = await customer.send(new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern: "Decrypt", logStreamNames: ["s1"] }));
    expect(filtered.events?.map((e) => e.message)).toEqual(["event 0 Decrypt", "event 2 Decrypt", "event 4 Decrypt"]);
    expect(filtered.events?.[0]?.logStreamName).toBe("s1");
    const phrase = await customer.send(new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern: '"event 1" -Decrypt' }));
    expect(phrase.events?.map((e) => e.message)).toEqual(["event 1 GenerateDataKey"]);

    await customer.send(new PutRetentionPolicyCommand({ logGroupName: GROUP, retentionInDays: 30 }));
    const groups = await customer.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/byok/" }));
    expect(groups.logGroups).toEqual([
      expect.objectContaining({ logGroupName: GROUP, retentionInDays: 30, arn: `arn:aws:logs:${REGION}:${CUSTOMER_ACCOUNT_ID}:log-group:${GROUP}:*`, logGroupArn: `arn:aws:logs:${REGION}:${CUSTOMER_ACCOUNT_ID}:log-group:${GROUP}` }),
    ]);
  });

  test("PutLogEvents enforces AWS's batch rules and reports events too old or too new", async () => {
    await groupWithStream();
    const now = Date.now();
    const put = (logEvents: Array<{ timestamp: number; message: string }>) => customer.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: "s1", logEvents }));

    const unordered = await awsError(() => put([{ timestamp: now, message: "b" }, { timestamp: now - 1000, message: "a" }]));
    expect(unordered).toMatchObject({ name: "InvalidParameterException", message: "Log events in a single PutLogEvents request must be in chronological order." });
    const tooLarge = await awsError(() => put([{ timestamp: now, message: "x".repeat(1_048_576) }]));
    expect(tooLarge).toMatchObject({ name: "InvalidParameterException", message: "Upload too large: 1048602 bytes exceeds limit of 1048576" });
    const tooMany = await awsError(() => put(Array.from({ length: 10_001 }, () => ({ timestamp: now, message: "m" }))));
    expect(tooMany.name).toBe("InvalidParameterException");
    const tooLong = await awsError(() => put([{ timestamp: now - 25 * HOUR, message: "old" }, { timestamp: now, message: "new" }]));
    expect(tooLong.message).toBe("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.");

    // All within one day of each other, but 15 days old, or 3 hours ahead.
    const old = await put([{ timestamp: now - 15 * 24 * HOUR, message: "old" }]);
    expect(old.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 1 });
    const mixed = await put([
      { timestamp: now, message: "kept" },
      { timestamp: now + 3 * HOUR, message: "future" },
    ]);
    expect(mixed.rejectedLogEventsInfo).toEqual({ tooNewLogEventStartIndex: 1 });
    const stored = await customer.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: "s1", startFromHead: true }));
    expect(stored.events?.map((e) => e.message)).toEqual(["kept"]);

    expect((await awsError(() => customer.send(new CreateLogGroupCommand({ logGroupName: GROUP }))))).toMatchObject({ name: "ResourceAlreadyExistsException", message: "The specified log group already exists" });
    const noStream = await awsError(() => customer.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: "nope", logEvents: [{ timestamp: now, message: "m" }] })));
    expect(noStream).toMatchObject({ name: "ResourceNotFoundException", message: "The specified log stream does not exist." });
    const noGroup = await awsError(() => customer.send(new GetLogEventsCommand({ logGroupName: "/missing", logStreamName: "s1" })));
    expect(noGroup).toMatchObject({ name: "ResourceNotFoundException", message: "The specified log group does not exist." });
  });
});

describe("forwarding key-use events through a customer role", () => {
  test("the role lets the platform create a stream and put events in its group, nothing else; the customer reads them with the AWS CLI", async () => {
    await customer.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
    await customer.send(new CreateLogGroupCommand({ logGroupName: "/other" }));
    const iam = new IAMClient({ region: "us-east-1", endpoint: sandbox.url, credentials: { accessKeyId: "customer", secretAccessKey: "customer" }, maxAttempts: 1 });
    await iam.send(
      new CreateRoleCommand({
        RoleName: "byok-log-forwarding",
        AssumeRolePolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { AWS: PLATFORM_ROLE_ARN }, Action: "sts:AssumeRole", Condition: { StringEquals: { "sts:ExternalId": EXTERNAL_ID } } }],
        }),
      }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: "byok-log-forwarding",
        PolicyName: "forward-key-use",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `arn:aws:logs:${REGION}:${CUSTOMER_ACCOUNT_ID}:log-group:${GROUP}:*` }],
        }),
      }),
    );
    const platform = await platformSession(sandbox.url, "0f3c6b2e-8d1a-4c5e-9b7f-2a6d8e4c1f90", REGION);
    const assumed = await platform.sts.send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: "byok-log-forwarder", ExternalId: EXTERNAL_ID }));
    const c = assumed.Credentials;
    const forwarder = logsClient({ accessKeyId: c?.AccessKeyId ?? "", secretAccessKey: c?.SecretAccessKey ?? "", sessionToken: c?.SessionToken });

    await forwarder.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: "environment-1" }));
    const event = JSON.stringify({ action: "GenerateDataKey", outcome: "allowed" });
    await forwarder.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: "environment-1", logEvents: [{ timestamp: Date.now(), message: event }] }));

    const sessionArn = `arn:aws:sts::${CUSTOMER_ACCOUNT_ID}:assumed-role/byok-log-forwarding/byok-log-forwarder`;
    const elsewhere = await awsError(() => forwarder.send(new CreateLogStreamCommand({ logGroupName: "/other", logStreamName: "x" })));
    expect(elsewhere).toMatchObject({
      name: "AccessDeniedException",
      message: `User: ${sessionArn} is not authorized to perform: logs:CreateLogStream on resource: arn:aws:logs:${REGION}:${CUSTOMER_ACCOUNT_ID}:log-group:/other:log-stream:x because no identity-based policy allows the logs:CreateLogStream action`,
    });
    expect((await awsError(() => forwarder.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: "environment-1" })))).name).toBe("AccessDeniedException");
    expect((await awsError(() => forwarder.send(new DescribeLogGroupsCommand({})))).name).toBe("AccessDeniedException");

    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of Object.keys(env)) if (name.startsWith("AWS_")) delete env[name];
    const { stdout } = await run(
      "/usr/bin/aws",
      ["logs", "get-log-events", "--log-group-name", GROUP, "--log-stream-name", "environment-1", "--start-from-head", "--endpoint-url", sandbox.url, "--region", REGION, "--output", "json"],
      { env: { ...env, AWS_ACCESS_KEY_ID: "customer", AWS_SECRET_ACCESS_KEY: "customer", AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null" } },
    );
    const read = JSON.parse(stdout) as { events: Array<{ message: string }>; nextForwardToken: string };
    expect(read.events.map((e) => e.message)).toEqual([event]);
    expect(read.nextForwardToken).toMatch(/^f\/\d{56}$/);
  }, 60_000);
});
