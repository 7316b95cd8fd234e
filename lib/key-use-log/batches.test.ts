import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  backoffMs,
  boundedKeyUseMessage,
  EVENT_OVERHEAD_BYTES,
  keyUseMessage,
  MAX_BATCH_BYTES,
  MAX_BATCH_EVENTS,
  MAX_BATCH_SPAN_MS,
  MAX_MESSAGE_BYTES,
  rejectedCount,
  splitIntoBatches,
  type LogBatchItem,
} from "./batches";

const ENVIRONMENT_ID = "3f0a4b7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
const KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

describe("the message", () => {
  it("is one JSON object with every field the customer needs", () => {
    const occurredAt = new Date("2026-11-29T16:00:00.123Z");
    const message = keyUseMessage(ENVIRONMENT_ID, { occurredAt, action: "Decrypt", keyArn: KEY_ARN, encryptionContext: { tenant: "acme" }, requestId: "req-1", outcome: "success" });
    expect(JSON.parse(message)).toEqual({
      time: "2026-11-29T16:00:00.123Z",
      action: "Decrypt",
      keyArn: KEY_ARN,
      encryptionContext: { tenant: "acme" },
      requestId: "req-1",
      outcome: "success",
      environmentId: ENVIRONMENT_ID,
    });
  });

  it("stays under AWS's per-event limit by leaving out an oversized encryption context", () => {
    const event = { occurredAt: new Date(), action: "Decrypt", keyArn: KEY_ARN, encryptionContext: { blob: "x".repeat(300_000) }, requestId: null, outcome: "AccessDeniedException" };
    const message = boundedKeyUseMessage(ENVIRONMENT_ID, event);
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(JSON.parse(message)).toMatchObject({ action: "Decrypt", outcome: "AccessDeniedException", encryptionContext: { truncated: expect.any(String) } });
  });
});

describe("PutLogEvents batches", () => {
  const item = (i: number, timestamp: number, size = 10): LogBatchItem<number> => ({ item: i, timestamp, message: "m".repeat(size) });

  it("keeps every event once, in order, and each batch within the count, size and 24-hour limits", () => {
    const events = fc.array(fc.record({ gap: fc.integer({ min: 0, max: 6 * 3_600_000 }), size: fc.integer({ min: 1, max: 200_000 }) }), { maxLength: 60 });
    fc.assert(
      fc.property(events, (specs) => {
        let time = 1_700_000_000_000;
        const input = specs.map((spec, i) => item(i, (time += spec.gap), spec.size));
        const batches = splitIntoBatches(input);
        expect(batches.flat().map((e) => e.item)).toEqual(input.map((e) => e.item));
        for (const batch of batches) {
          expect(batch.length).toBeGreaterThan(0);
          expect(batch.length).toBeLessThanOrEqual(MAX_BATCH_EVENTS);
          expect(batch.reduce((sum, e) => sum + e.message.length + EVENT_OVERHEAD_BYTES, 0)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
          expect((batch.at(-1)?.timestamp ?? 0) - (batch[0]?.timestamp ?? 0)).toBeLessThanOrEqual(MAX_BATCH_SPAN_MS);
        }
      }),
    );
  });

  it("splits at 10,000 events", () => {
    const batches = splitIntoBatches(Array.from({ length: 10_001 }, (_, i) => item(i, 1_700_000_000_000, 1)));
    expect(batches.map((b) => b.length)).toEqual([10_000, 1]);
  });

  it("counts the events AWS reports as not stored", () => {
    expect(rejectedCount(10, undefined)).toBe(0);
    expect(rejectedCount(10, { tooOldLogEventEndIndex: 3 })).toBe(3);
    expect(rejectedCount(10, { tooOldLogEventEndIndex: 2, expiredLogEventEndIndex: 4 })).toBe(4);
    expect(rejectedCount(10, { tooNewLogEventStartIndex: 7 })).toBe(3);
    expect(rejectedCount(10, { expiredLogEventEndIndex: 2, tooNewLogEventStartIndex: 8 })).toBe(4);
    expect(rejectedCount(1, { tooOldLogEventEndIndex: 1 })).toBe(1);
  });
});

describe("the backoff", () => {
  it("doubles from 5 s and stops at 15 minutes", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 50].map(backoffMs)).toEqual([5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 640_000, 900_000, 900_000]);
  });
});
