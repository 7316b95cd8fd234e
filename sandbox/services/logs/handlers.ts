/**
 * CloudWatch Logs (JSON 1.1, `Logs_20140328.<Operation>`): log groups, streams and their events,
 * enough for a customer to receive the platform's key-use events and read them back.
 *
 * Access is checked on the ARNs AWS evaluates: `…:log-group:<group>:log-stream:<stream>` for the
 * stream operations (CreateLogStream, PutLogEvents, GetLogEvents), so a policy on
 * `…:log-group:<group>:*` covers them; `…:log-group:<group>:*` for the group operations; and
 * `…:log-group:*` for DescribeLogGroups.
 *
 * PutLogEvents follows the service's rules (CloudWatch Logs API Reference, "PutLogEvents"): at
 * most 10,000 events and 1,048,576 bytes (each message's UTF-8 bytes plus 26) a batch, in
 * chronological order, spanning at most 24 hours; events more than 2 hours ahead, more than
 * 14 days old or older than the group's retention are rejected and reported, not stored.
 */
import type { AccessCheck } from "../../authorize";
import { ServiceError } from "../../errors";
import { type Input, isRecord, optBoolean, optList, optNumber, optString, optStringList, optStringMap, reqString } from "../../input";
import { regional } from "../../state";
import { type CallContext, type Output, type Service, type World, invoke, operation } from "../../world";
import type { LogEvent, LogGroup, LogStream } from "./model";

export interface LogsService extends Service {
  /** For CloudFormation: run a Logs operation as the caller. */
  call(operation: string, input: Input, ctx: CallContext): Promise<Output>;
}

const GROUP_NAME = /^[.\-_/#A-Za-z0-9]{1,512}$/;
const STREAM_NAME = /^[^:*]{1,512}$/;
const MAX_BATCH_EVENTS = 10_000;
const MAX_BATCH_BYTES = 1_048_576;
const EVENT_OVERHEAD_BYTES = 26;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const MAX_GET_EVENTS = 10_000;
/** The retention periods a log group accepts (CloudWatch Logs API Reference, "PutRetentionPolicy"). */
const RETENTION_DAYS = new Set([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]);

function invalid(message: string): ServiceError {
  return new ServiceError("InvalidParameterException", message, 400);
}

function required(input: Input, name: string): string {
  return reqString(input, name, "InvalidParameterException");
}

function groupArn(group: Pick<LogGroup, "region" | "accountId" | "name">): string {
  return `arn:aws:logs:${group.region}:${group.accountId}:log-group:${group.name}`;
}

function readGroupName(input: Input, field = "logGroupName"): string {
  const name = required(input, field);
  if (!GROUP_NAME.test(name)) throw invalid(`1 validation error detected: Value '${name}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+`);
  return name;
}

function readStreamName(input: Input): string {
  const name = required(input, "logStreamName");
  if (!STREAM_NAME.test(name)) throw invalid(`1 validation error detected: Value '${name}' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*`);
  return name;
}

/** `logGroupName`, or `logGroupIdentifier` (a name or the group's ARN), as GetLogEvents and FilterLogEvents accept. */
function readGroupReference(input: Input): string {
  const identifier = optString(input, "logGroupIdentifier");
  if (identifier === undefined) return readGroupName(input);
  const arn = /^arn:aws:logs:[a-z0-9-]+:\d{12}:log-group:([^:]+)(:\*)?$/.exec(identifier);
  return arn ? (arn[1] ?? "") : identifier;
}

function readRetention(input: Input): number {
  const days = optNumber(input, "retentionInDays");
  if (days === undefined || !RETENTION_DAYS.has(days)) {
    throw invalid(`1 validation error detected: Value '${String(days)}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${[...RETENTION_DAYS].join(", ")}]`);
  }
  return days;
}

interface PutEventsRequest {
  group: LogGroup;
  stream: LogStream;
  events: Array<{ timestamp: number; message: string }>;
}

function readEvents(input: Input): Array<{ timestamp: number; message: string }> {
  const list = optList(input, "logEvents") ?? [];
  if (list.length < 1) throw invalid("1 validation error detected: Value '[]' at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1");
  if (list.length > MAX_BATCH_EVENTS) throw invalid(`1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to ${MAX_BATCH_EVENTS}`);
  const events = list.map((item) => {
    if (!isRecord(item)) throw invalid("logEvents must be a list of {timestamp, message}");
    const timestamp = optNumber(item, "timestamp");
    const message = optString(item, "message");
    if (timestamp === undefined || !Number.isInteger(timestamp) || timestamp < 0) throw invalid("1 validation error detected: Value null at 'logEvents.member.timestamp' failed to satisfy constraint: Member must not be null");
    if (message === undefined || message.length < 1) throw invalid("1 validation error detected: Value at 'logEvents.member.message' failed to satisfy constraint: Member must have length greater than or equal to 1");
    return { timestamp, message };
  });
  const bytes = events.reduce((sum, e) => sum + Buffer.byteLength(e.message, "utf8") + EVENT_OVERHEAD_BYTES, 0);
  if (bytes > MAX_BATCH_BYTES) throw invalid(`Upload too large: ${bytes} bytes exceeds limit of ${MAX_BATCH_BYTES}`);
  for (let i = 1; i < events.length; i += 1) {
    if ((events[i]?.timestamp ?? 0) < (events[i - 1]?.timestamp ?? 0)) throw invalid("Log events in a single PutLogEvents request must be in chronological order.");
  }
  const first = events[0]?.timestamp ?? 0;
  const last = events[events.length - 1]?.timestamp ?? 0;
  if (last - first > DAY_MS) throw invalid("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.");
  return events;
}

/** GetLogEvents' tokens: a direction and a position in the stream's (time-filtered) events. */
function token(direction: "f" | "b", position: number): string {
  return `${direction}/${String(position).padStart(56, "0")}`;
}

function parseToken(value: string | undefined): { direction: "f" | "b"; position: number } | undefined {
  if (value === undefined) return undefined;
  const m = /^([fb])\/(\d{1,56})$/.exec(value);
  if (!m) throw invalid("The specified nextToken is invalid.");
  return { direction: m[1] === "f" ? "f" : "b", position: Number(m[2]) };
}

/**
 * Plain-term filter patterns: every term (a word, or a "quoted phrase") must occur in the
 * message, a `-term` must not, and if every term is `?term`, any one of them will do. JSON
 * (`{ $.field = … }`) and space-delimited (`[a, b]`) patterns are not modelled.
 */
function matcher(pattern: string | undefined): (message: string) => boolean {
  const text = (pattern ?? "").trim();
  if (text === "") return () => true;
  if (text.startsWith("{") || text.startsWith("[")) throw invalid("The sandbox supports plain-term filter patterns only (words and \"quoted phrases\", with ? and - prefixes).");
  const terms = [...text.matchAll(/([?-]?)(?:"([^"]*)"|(\S+))/g)].map((m) => ({ prefix: m[1] ?? "", term: m[2] ?? m[3] ?? "" }));
  const optional = terms.filter((t) => t.prefix === "?");
  if (optional.length === terms.length) return (message) => optional.some((t) => message.includes(t.term));
  return (message) => terms.every((t) => (t.prefix === "-" ? !message.includes(t.term) : message.includes(t.term)));
}

export function createLogsService(world: World): LogsService {
  const groupsOf = (accountId: string, region: string) => regional(world.state.logs, accountId, region, (): { groups: Record<string, LogGroup> } => ({ groups: {} })).groups;

  function groupResource(ctx: CallContext, name: string): string {
    return `arn:aws:logs:${ctx.region}:${ctx.principal.accountId}:log-group:${name}:*`;
  }

  function streamResource(ctx: CallContext, group: string, stream: string): string {
    return `arn:aws:logs:${ctx.region}:${ctx.principal.accountId}:log-group:${group}:log-stream:${stream}`;
  }

  function check(action: string, resource: string): AccessCheck[] {
    return [{ action: `logs:${action}`, resource }];
  }

  function findGroup(ctx: CallContext, name: string): LogGroup {
    const group = groupsOf(ctx.principal.accountId, ctx.region)[name];
    if (!group) throw new ServiceError("ResourceNotFoundException", "The specified log group does not exist.", 400);
    return group;
  }

  function findStream(group: LogGroup, name: string): LogStream {
    const stream = group.streams[name];
    if (!stream) throw new ServiceError("ResourceNotFoundException", "The specified log stream does not exist.", 400);
    return stream;
  }

  function describeGroup(group: LogGroup): Output {
    return {
      logGroupName: group.name,
      creationTime: group.creationTime,
      retentionInDays: group.retentionInDays,
      metricFilterCount: 0,
      arn: `${groupArn(group)}:*`,
      logGroupArn: groupArn(group),
      storedBytes: 0,
      logGroupClass: "STANDARD",
    };
  }

  function describeStream(group: LogGroup, stream: LogStream): Output {
    return {
      logStreamName: stream.name,
      creationTime: stream.creationTime,
      firstEventTimestamp: stream.events.length > 0 ? Math.min(...stream.events.map((e) => e.timestamp)) : undefined,
      lastEventTimestamp: stream.events.length > 0 ? Math.max(...stream.events.map((e) => e.timestamp)) : undefined,
      lastIngestionTime: stream.lastIngestionTime,
      uploadSequenceToken: String(stream.sequence),
      arn: `${groupArn(group)}:log-stream:${stream.name}`,
      storedBytes: 0,
    };
  }

  function inRange(event: LogEvent, input: Input): boolean {
    const start = optNumber(input, "startTime");
    const end = optNumber(input, "endTime");
    return (start === undefined || event.timestamp >= start) && (end === undefined || event.timestamp < end);
  }

  function readLimit(input: Input, max: number): number {
    const limit = optNumber(input, "limit") ?? max;
    if (!Number.isInteger(limit) || limit < 1 || limit > max) throw invalid(`1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and ${max}`);
    return limit;
  }

  function putEvents(request: PutEventsRequest): Output {
    const now = world.now().getTime();
    const tooNewAfter = now + 2 * HOUR_MS;
    const tooOldBefore = now - 14 * DAY_MS;
    const expiredBefore = request.group.retentionInDays === undefined ? undefined : now - request.group.retentionInDays * DAY_MS;
    const rejected: Output = {};
    // The batch is chronological, so the rejected events are a prefix (too old, expired) and a suffix (too new).
    const tooNewStart = request.events.findIndex((e) => e.timestamp > tooNewAfter);
    const tooOldEnd = request.events.filter((e) => e.timestamp < tooOldBefore).length;
    const expiredEnd = expiredBefore === undefined ? 0 : request.events.filter((e) => e.timestamp < expiredBefore).length;
    if (tooNewStart >= 0) rejected.tooNewLogEventStartIndex = tooNewStart;
    if (tooOldEnd > 0) rejected.tooOldLogEventEndIndex = tooOldEnd;
    if (expiredEnd > 0) rejected.expiredLogEventEndIndex = expiredEnd;
    const accepted = request.events.slice(Math.max(tooOldEnd, expiredEnd), tooNewStart >= 0 ? tooNewStart : undefined);
    const stream = request.stream;
    for (const e of accepted) stream.events.push({ timestamp: e.timestamp, message: e.message, ingestionTime: now });
    if (accepted.length > 0) stream.lastIngestionTime = now;
    stream.sequence += 1;
    world.changed();
    return { nextSequenceToken: String(stream.sequence), rejectedLogEventsInfo: Object.keys(rejected).length > 0 ? rejected : undefined };
  }

  function getEvents(stream: LogStream, input: Input): Output {
    const events = stream.events.filter((e) => inRange(e, input)).sort((a, b) => a.timestamp - b.timestamp);
    const limit = readLimit(input, MAX_GET_EVENTS);
    const given = parseToken(optString(input, "nextToken"));
    const forward = given ? given.direction === "f" : optBoolean(input, "startFromHead") === true;
    let start: number;
    let end: number;
    if (forward) {
      start = Math.min(given?.position ?? 0, events.length);
      end = Math.min(start + limit, events.length);
    } else {
      end = Math.min(given?.position ?? events.length, events.length);
      start = Math.max(0, end - limit);
    }
    return {
      events: events.slice(start, end).map((e) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime })),
      nextForwardToken: token("f", end),
      nextBackwardToken: token("b", start),
    };
  }

  function filterEvents(group: LogGroup, input: Input): Output {
    const names = optStringList(input, "logStreamNames");
    const prefix = optString(input, "logStreamNamePrefix");
    if (names && prefix !== undefined) throw invalid("You cannot specify both LogStreamNames and LogStreamNamePrefix.");
    const streams = Object.values(group.streams).filter((s) => (names ? names.includes(s.name) : prefix === undefined || s.name.startsWith(prefix)));
    const matches = matcher(optString(input, "filterPattern"));
    const found = streams
      .flatMap((s) => s.events.map((e, index) => ({ stream: s.name, index, event: e })))
      .filter(({ event }) => inRange(event, input) && matches(event.message))
      .sort((a, b) => a.event.timestamp - b.event.timestamp || a.event.ingestionTime - b.event.ingestionTime);
    const limit = readLimit(input, MAX_GET_EVENTS);
    const nextToken = optString(input, "nextToken");
    const offset = nextToken === undefined ? 0 : Number(Buffer.from(nextToken, "base64url").toString("utf8"));
    if (!Number.isInteger(offset) || offset < 0) throw invalid("The specified nextToken is invalid.");
    const page = found.slice(offset, offset + limit);
    return {
      events: page.map(({ stream, index, event }) => ({
        logStreamName: stream,
        timestamp: event.timestamp,
        message: event.message,
        ingestionTime: event.ingestionTime,
        eventId: `${String(event.timestamp).padStart(20, "0")}${String(index).padStart(20, "0")}${Buffer.from(stream).toString("hex").slice(0, 16)}`,
      })),
      searchedLogStreams: streams.map((s) => ({ logStreamName: s.name, searchedCompletely: true })),
      nextToken: offset + limit < found.length ? Buffer.from(String(offset + limit)).toString("base64url") : undefined,
    };
  }

  const service: LogsService = {
    name: "logs",
    accessDenied: { code: "AccessDeniedException", status: 400 },
    call: (name, input, ctx) => invoke(world, service, name, input, ctx),
    operations: {
      CreateLogGroup: operation({
        resolve: (input) => readGroupName(input),
        access: (name, ctx) => check("CreateLogGroup", groupResource(ctx, name)),
        run(name, input, ctx) {
          const groups = groupsOf(ctx.principal.accountId, ctx.region);
          if (groups[name]) throw new ServiceError("ResourceAlreadyExistsException", "The specified log group already exists", 400);
          if (optString(input, "kmsKeyId") !== undefined) throw invalid("The sandbox does not encrypt log groups with KMS keys; omit kmsKeyId.");
          groups[name] = { name, accountId: ctx.principal.accountId, region: ctx.region, creationTime: world.now().getTime(), tags: optStringMap(input, "tags") ?? {}, streams: {} };
          world.changed();
          return {};
        },
      }),

      DeleteLogGroup: operation({
        resolve: (input) => readGroupName(input),
        access: (name, ctx) => check("DeleteLogGroup", groupResource(ctx, name)),
        run(name, _input, ctx) {
          findGroup(ctx, name);
          delete groupsOf(ctx.principal.accountId, ctx.region)[name];
          world.changed();
          return {};
        },
      }),

      PutRetentionPolicy: operation({
        resolve: (input) => readGroupName(input),
        access: (name, ctx) => check("PutRetentionPolicy", groupResource(ctx, name)),
        run(name, input, ctx) {
          const days = readRetention(input);
          findGroup(ctx, name).retentionInDays = days;
          world.changed();
          return {};
        },
      }),

      DeleteRetentionPolicy: operation({
        resolve: (input) => readGroupName(input),
        access: (name, ctx) => check("DeleteRetentionPolicy", groupResource(ctx, name)),
        run(name, _input, ctx) {
          delete findGroup(ctx, name).retentionInDays;
          world.changed();
          return {};
        },
      }),

      DescribeLogGroups: operation({
        resolve: () => undefined,
        access: (_none, ctx) => check("DescribeLogGroups", `arn:aws:logs:${ctx.region}:${ctx.principal.accountId}:log-group:*`),
        run(_none, input, ctx) {
          const prefix = optString(input, "logGroupNamePrefix") ?? "";
          const limit = readLimit(input, 50);
          const all = Object.values(groupsOf(ctx.principal.accountId, ctx.region))
            .filter((g) => g.name.startsWith(prefix))
            .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
          const after = optString(input, "nextToken");
          const from = after === undefined ? 0 : all.findIndex((g) => g.name > Buffer.from(after, "base64url").toString("utf8"));
          const page = from < 0 ? [] : all.slice(from, from + limit);
          const last = page[page.length - 1];
          const more = from >= 0 && from + limit < all.length;
          return { logGroups: page.map(describeGroup), nextToken: more && last ? Buffer.from(last.name).toString("base64url") : undefined };
        },
      }),

      CreateLogStream: operation({
        resolve: (input) => ({ group: readGroupName(input), stream: readStreamName(input) }),
        access: ({ group, stream }, ctx) => check("CreateLogStream", streamResource(ctx, group, stream)),
        run({ group: groupName, stream: name }, _input, ctx) {
          const group = findGroup(ctx, groupName);
          if (group.streams[name]) throw new ServiceError("ResourceAlreadyExistsException", "The specified log stream already exists", 400);
          group.streams[name] = { name, creationTime: world.now().getTime(), events: [], sequence: 0 };
          world.changed();
          return {};
        },
      }),

      DescribeLogStreams: operation({
        resolve: (input) => readGroupReference(input),
        access: (name, ctx) => check("DescribeLogStreams", groupResource(ctx, name)),
        run(name, input, ctx) {
          const group = findGroup(ctx, name);
          const prefix = optString(input, "logStreamNamePrefix") ?? "";
          const limit = readLimit(input, 50);
          const streams = Object.values(group.streams)
            .filter((s) => s.name.startsWith(prefix))
            .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
          if (optBoolean(input, "descending") === true) streams.reverse();
          return { logStreams: streams.slice(0, limit).map((s) => describeStream(group, s)) };
        },
      }),

      PutLogEvents: operation({
        resolve: (input) => ({ group: readGroupName(input), stream: readStreamName(input), events: readEvents(input) }),
        access: ({ group, stream }, ctx) => check("PutLogEvents", streamResource(ctx, group, stream)),
        run({ group: groupName, stream: streamName, events }, _input, ctx) {
          const group = findGroup(ctx, groupName);
          return putEvents({ group, stream: findStream(group, streamName), events });
        },
      }),

      GetLogEvents: operation({
        resolve: (input) => ({ group: readGroupReference(input), stream: readStreamName(input) }),
        access: ({ group, stream }, ctx) => check("GetLogEvents", streamResource(ctx, group, stream)),
        run: ({ group, stream }, input, ctx) => getEvents(findStream(findGroup(ctx, group), stream), input),
      }),

      FilterLogEvents: operation({
        resolve: (input) => readGroupReference(input),
        access: (name, ctx) => check("FilterLogEvents", groupResource(ctx, name)),
        run: (name, input, ctx) => filterEvents(findGroup(ctx, name), input),
      }),
    },
  };
  return service;
}
