import { describe, expect, test } from "vitest";
import { ChainChecker, eventDigest, GENESIS_HASH, type ChainedEvent } from "./chain";

/** A well-formed chain of `count` events, as the insert trigger would have written it. */
function chain(count: number): ChainedEvent[] {
  const events: ChainedEvent[] = [];
  let previousHash = GENESIS_HASH;
  for (let i = 1; i <= count; i += 1) {
    const event = {
      sequence: String(i),
      id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
      organizationId: "org-1",
      environmentId: i % 2 ? null : "11111111-1111-4111-8111-111111111111",
      actorUserId: null,
      actorType: "platform",
      action: `test.${i}`,
      ipAddress: null,
      details: `{"n": ${i}, "text": "é ✓"}`,
      createdAt: `2026-11-29T10:00:0${i % 10}.000Z`,
      previousHash,
    };
    const hash = eventDigest(event);
    events.push({ ...event, hash });
    previousHash = hash;
  }
  return events;
}

const check = (events: ChainedEvent[], head = { lastSequence: String(events.length), lastHash: events.at(-1)?.hash ?? GENESIS_HASH }) => {
  const checker = new ChainChecker();
  for (const event of events) checker.add(event);
  return checker.finish(head);
};

describe("the audit chain check", () => {
  test("an intact chain has no problem and reports its last hash", () => {
    const events = chain(5);
    expect(check(events)).toEqual({ events: 5, last: { sequence: "5", hash: events[4]?.hash }, problems: [] });
  });

  test("NULL and an empty string hash differently, and so do fields that only swap a boundary", () => {
    const [event] = chain(1);
    if (!event) throw new Error("no event");
    expect(eventDigest({ ...event, ipAddress: null })).not.toBe(eventDigest({ ...event, ipAddress: "" }));
    expect(eventDigest({ ...event, actorType: "ab", action: "c" })).not.toBe(eventDigest({ ...event, actorType: "a", action: "bc" }));
  });

  test("a deleted event is a gap naming the event after it", () => {
    const events = chain(5);
    const report = check(events.filter((event) => event.sequence !== "3"), { lastSequence: "5", lastHash: events[4]?.hash ?? "" });
    expect(report.problems.map((problem) => problem.message)).toEqual([
      "Gap: #3 missing (deleted?) before event #4 (00000000-0000-4000-8000-000000000004, test.4, 2026-11-29T10:00:04.000Z).",
    ]);
  });

  test("an edited event no longer matches its hash; re-hashing it breaks the link to the next one", () => {
    const events = chain(4);
    const edited = events.map((event) => (event.sequence === "2" ? { ...event, details: '{"n": 2, "text": "nothing"}' } : event));
    expect(check(edited).problems.map((problem) => [problem.sequence, problem.message.split(":")[0]])).toEqual([["2", "Changed"]]);
    const rehashed = edited.map((event) => (event.sequence === "2" ? { ...event, hash: eventDigest(event) } : event));
    expect(check(rehashed, { lastSequence: "4", lastHash: events[3]?.hash ?? "" }).problems.map((problem) => [problem.sequence, problem.message.split(":")[0]])).toEqual([
      ["3", "Broken link"],
    ]);
  });

  test("events missing at the end are found through the chain head", () => {
    const events = chain(5);
    expect(check(events.slice(0, 3), { lastSequence: "5", lastHash: events[4]?.hash ?? "" }).problems.map((problem) => problem.message)).toEqual([
      "Gap: #4 to #5 missing at the end of the log (the chain head says #5 was written).",
    ]);
  });
});
