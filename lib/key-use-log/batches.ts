/**
 * What the forwarder sends and when (pure, no I/O): the message format, PutLogEvents' batch
 * rules and the backoff after failures.
 */

/** PutLogEvents' limits (CloudWatch Logs API Reference, "PutLogEvents"). */
export const MAX_BATCH_EVENTS = 10_000;
export const MAX_BATCH_BYTES = 1_048_576;
export const EVENT_OVERHEAD_BYTES = 26;
export const MAX_BATCH_SPAN_MS = 24 * 3_600_000;
/** AWS's per-event limit: 256 KiB including the overhead. */
export const MAX_MESSAGE_BYTES = 256 * 1024 - EVENT_OVERHEAD_BYTES;

/** The first wait after a failed attempt; it doubles with each further failure, up to the cap. */
export const FIRST_BACKOFF_MS = 5_000;
export const MAX_BACKOFF_MS = 15 * 60_000;

/** The wait before the next attempt after `failures` failed ones in a row (1 → 5 s, 2 → 10 s, …, at most 15 min). */
export function backoffMs(failures: number): number {
  const exponent = Math.min(Math.max(failures, 1) - 1, 20);
  return Math.min(FIRST_BACKOFF_MS * 2 ** exponent, MAX_BACKOFF_MS);
}

export interface ForwardedKeyUse {
  occurredAt: Date;
  action: string;
  keyArn: string;
  encryptionContext: unknown;
  requestId: string | null;
  outcome: string;
}

/** The JSON message the customer reads in their log group, one per key use. */
export function keyUseMessage(environmentId: string, event: ForwardedKeyUse): string {
  return JSON.stringify({
    time: event.occurredAt.toISOString(),
    action: event.action,
    keyArn: event.keyArn,
    encryptionContext: event.encryptionContext,
    requestId: event.requestId,
    outcome: event.outcome,
    environmentId,
  });
}

/** A message that would exceed AWS's per-event limit keeps everything but the encryption context. */
export function boundedKeyUseMessage(environmentId: string, event: ForwardedKeyUse): string {
  const message = keyUseMessage(environmentId, event);
  if (Buffer.byteLength(message, "utf8") <= MAX_MESSAGE_BYTES) return message;
  return keyUseMessage(environmentId, { ...event, encryptionContext: { truncated: "the encryption context was too large to forward" } });
}

export interface LogBatchItem<T> {
  item: T;
  timestamp: number;
  message: string;
}

/**
 * Splits chronological events into PutLogEvents batches: at most 10,000 events and 1,048,576
 * bytes (each message's UTF-8 bytes plus 26), spanning at most 24 hours.
 */
export function splitIntoBatches<T>(events: ReadonlyArray<LogBatchItem<T>>): Array<Array<LogBatchItem<T>>> {
  const batches: Array<Array<LogBatchItem<T>>> = [];
  let current: Array<LogBatchItem<T>> = [];
  let bytes = 0;
  for (const event of events) {
    const size = Buffer.byteLength(event.message, "utf8") + EVENT_OVERHEAD_BYTES;
    const first = current[0];
    if (first !== undefined && (current.length >= MAX_BATCH_EVENTS || bytes + size > MAX_BATCH_BYTES || event.timestamp - first.timestamp > MAX_BATCH_SPAN_MS)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(event);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * How many events of a batch PutLogEvents reported and did not store (too old, older than the
 * group's retention, or too far ahead): they are a prefix and a suffix of the chronological batch.
 */
export function rejectedCount(batchLength: number, info: { tooNewLogEventStartIndex?: number; tooOldLogEventEndIndex?: number; expiredLogEventEndIndex?: number } | undefined): number {
  if (!info) return 0;
  const prefix = Math.max(info.tooOldLogEventEndIndex ?? 0, info.expiredLogEventEndIndex ?? 0);
  const suffixStart = info.tooNewLogEventStartIndex ?? batchLength;
  return Math.min(batchLength, prefix + Math.max(0, batchLength - Math.max(suffixStart, prefix)));
}
