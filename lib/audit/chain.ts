/**
 * The audit log's hash chain, recomputed outside the database: every event's hash is the
 * SHA-256 of its fields and of the previous event's hash, and sequence numbers are contiguous
 * (the audit_chain migration computes both in its insert trigger). A deleted event leaves a
 * gap, an edited one no longer matches its hash, a rewritten one breaks the link to the next.
 */
import { createHash } from "node:crypto";
import pg from "pg";
import { parseIntoClientConfig } from "pg-connection-string";

export const GENESIS_HASH = "0".repeat(64);

/** One event as the database prints it (every field text), the form the hash is computed over. */
export interface ChainedEvent {
  sequence: string;
  id: string;
  organizationId: string;
  environmentId: string | null;
  actorUserId: string | null;
  actorType: string;
  action: string;
  ipAddress: string | null;
  /** `details::text`: PostgreSQL's canonical jsonb text. */
  details: string;
  /** `createdAt` to the millisecond, ISO 8601 with a Z. */
  createdAt: string;
  previousHash: string;
  hash: string;
}

/** Each field as `<UTF-8 byte length>:<text>;`, or `N;` for NULL (the migration's audit_event_digest). */
export function eventDigest(event: Omit<ChainedEvent, "hash">): string {
  const fields: (string | null)[] = [
    "byok-audit-v1",
    event.sequence,
    event.id,
    event.organizationId,
    event.environmentId,
    event.actorUserId,
    event.actorType,
    event.action,
    event.ipAddress,
    event.details,
    event.createdAt,
    event.previousHash,
  ];
  const canonical = fields.map((field) => (field === null ? "N;" : `${Buffer.byteLength(field, "utf8")}:${field};`)).join("");
  return createHash("sha256").update(canonical, "utf8").digest("hex");
}

export interface ChainProblem {
  /** The sequence number the problem is at (the first missing one for a gap). */
  sequence: string;
  message: string;
}

export interface ChainHead {
  lastSequence: string;
  lastHash: string;
}

export interface ChainReport {
  events: number;
  /** The last event's sequence number and hash (worth keeping outside the database). */
  last: { sequence: string; hash: string } | null;
  problems: ChainProblem[];
}

/** Checks a run of events in sequence order (and, when given, the chain head the database keeps). */
export class ChainChecker {
  private expected = 1n;
  private previousHash = GENESIS_HASH;
  private count = 0;
  private lastEvent: { sequence: string; hash: string } | null = null;
  readonly problems: ChainProblem[] = [];

  add(event: ChainedEvent): void {
    const sequence = BigInt(event.sequence);
    const label = `event #${event.sequence} (${event.id}, ${event.action}, ${event.createdAt})`;
    this.count += 1;
    if (sequence < this.expected) {
      // Not a link of the chain at all: reported, and the chain goes on past it.
      this.problems.push({ sequence: event.sequence, message: `Outside the chain: ${label} has a sequence number below #${this.expected} (inserted around the trigger?).` });
      return;
    }
    if (sequence !== this.expected) {
      const missing = sequence - 1n === this.expected ? `#${this.expected}` : `#${this.expected} to #${sequence - 1n}`;
      this.problems.push({ sequence: String(this.expected), message: `Gap: ${missing} missing (deleted?) before ${label}.` });
    } else if (event.previousHash !== this.previousHash) {
      this.problems.push({ sequence: event.sequence, message: `Broken link: ${label} does not follow the hash of the event before it (rewritten history?).` });
    }
    if (eventDigest(event) !== event.hash) {
      this.problems.push({ sequence: event.sequence, message: `Changed: ${label} no longer matches its hash (edited after it was written?).` });
    }
    this.expected = sequence + 1n;
    this.previousHash = event.hash;
    this.lastEvent = { sequence: event.sequence, hash: event.hash };
  }

  finish(head: ChainHead | null): ChainReport {
    if (head) {
      const headSequence = BigInt(head.lastSequence);
      const last = this.expected - 1n;
      if (headSequence > last) {
        const missing = headSequence === last + 1n ? `#${headSequence}` : `#${last + 1n} to #${headSequence}`;
        this.problems.push({ sequence: String(last + 1n), message: `Gap: ${missing} missing at the end of the log (the chain head says #${headSequence} was written).` });
      } else if (headSequence < last) {
        this.problems.push({ sequence: String(headSequence + 1n), message: `The chain head says #${headSequence} is the last event, but the log goes on to #${last} (rows added around the trigger?).` });
      } else if (headSequence === last && head.lastHash !== this.previousHash) {
        this.problems.push({ sequence: String(last), message: `The chain head's hash differs from event #${last}'s hash.` });
      }
    } else {
      this.problems.push({ sequence: "0", message: "The chain head (audit_chain_head) is missing." });
    }
    return { events: this.count, last: this.lastEvent, problems: this.problems.sort((a, b) => (BigInt(a.sequence) < BigInt(b.sequence) ? -1 : BigInt(a.sequence) > BigInt(b.sequence) ? 1 : 0)) };
  }
}

const EVENTS_SQL = `
  SELECT "sequence"::text AS "sequence", "id"::text AS "id", "organizationId", "environmentId"::text AS "environmentId",
         "actorUserId", "actorType", "action", "ipAddress", "details"::text AS "details",
         to_char("createdAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt", "previousHash", "hash"
    FROM "audit_event" e
   WHERE e."sequence" > $1::bigint
   ORDER BY e."sequence"
   LIMIT $2`;

/** Reads the whole log in sequence order, a batch at a time, and checks the chain. */
export async function verifyAuditChain(databaseUrl: string, options: { batchSize?: number } = {}): Promise<ChainReport> {
  const batchSize = options.batchSize ?? 5000;
  const client = new pg.Client(parseIntoClientConfig(databaseUrl));
  await client.connect();
  try {
    // One snapshot for the events and the head, so appends during the check are not gaps.
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const checker = new ChainChecker();
    let after = "-9223372036854775808";
    for (;;) {
      const { rows } = await client.query<ChainedEvent>(EVENTS_SQL, [after, batchSize]);
      for (const row of rows) checker.add(row);
      const last = rows.at(-1);
      if (!last || rows.length < batchSize) break;
      after = last.sequence;
    }
    const head = await client.query<ChainHead>(`SELECT "lastSequence"::text AS "lastSequence", "lastHash" FROM "audit_chain_head" WHERE "id" = 1`);
    await client.query("COMMIT");
    return checker.finish(head.rows[0] ?? null);
  } finally {
    await client.end();
  }
}
