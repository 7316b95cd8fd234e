import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { projectRoot } from "@/scripts/lib/database";
import { tsxCommand } from "@/lib/testing/processes";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/test-database";
import { GENESIS_HASH, verifyAuditChain } from "./chain";
import { withPgClient } from "@/lib/testing/pg-client";

/**
 * Issue 12, defect 4: the audit log was append-only only against polite SQL. The portal's own
 * connection (the application role) is refused every way of rewriting it, the owner is refused
 * by the triggers, and `npm run audit:verify` finds whatever is done around both.
 */

const ORGANIZATION = "org-audit";
let database: TestDatabase;

async function append(client: pg.Client, action: string, extra: { createdAt?: string; sequence?: number; hash?: string } = {}): Promise<void> {
  await client.query(
    `INSERT INTO audit_event ("id", "organizationId", "actorType", "action", "details", "createdAt", "sequence", "hash", "previousHash")
     VALUES ($1, $2, 'platform', $3, $4, coalesce($5::timestamp, now()), coalesce($6::bigint, nextval('audit_event_sequence_seq')), coalesce($7, ''), '')`,
    [randomUUID(), ORGANIZATION, action, JSON.stringify({ note: `${action} détails ✓` }), extra.createdAt ?? null, extra.sequence ?? null, extra.hash ?? null],
  );
}

async function seed(target: TestDatabase, events: number): Promise<void> {
  await withPgClient(target.appUrl, async (client) => {
    await client.query(`INSERT INTO organization ("id", "name", "slug") VALUES ($1, 'Audited', $1)`, [ORGANIZATION]);
    for (let i = 0; i < events; i += 1) await append(client, `test.event.${i + 1}`);
  });
}

const run = (url: string) =>
  spawnSync(...tsxCommand("scripts/audit-verify.ts"), {
    cwd: projectRoot,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, DATABASE_URL: url, DATABASE_OWNER_URL: "", BYOK_EMBEDDED: "" },
  });

beforeAll(async () => {
  database = await createTestDatabase(inject("databaseAdminUrl"), "audit_log");
  await seed(database, 5);
});

afterAll(async () => {
  await database?.drop();
});

describe("the application's connection cannot rewrite the audit log", () => {
  test.each([
    ["UPDATE", `UPDATE audit_event SET "action" = 'rewritten'`, 'permission denied for table audit_event'],
    ["DELETE", `DELETE FROM audit_event`, "permission denied for table audit_event"],
    ["TRUNCATE", `TRUNCATE audit_event`, "permission denied for table audit_event"],
    ["an upsert over an event", `INSERT INTO audit_event ("id", "organizationId", "actorType", "action") SELECT "id", "organizationId", 'user', 'x' FROM audit_event LIMIT 1 ON CONFLICT ("id") DO UPDATE SET "action" = 'rewritten'`, "permission denied for table audit_event"],
    ["disabling its triggers", `ALTER TABLE audit_event DISABLE TRIGGER ALL`, "must be owner of table audit_event"],
    ["dropping the append-only trigger", `DROP TRIGGER audit_event_append_only ON audit_event`, /must be owner of (table|relation) audit_event/],
    ["dropping the chain trigger's function", `DROP FUNCTION audit_event_chain() CASCADE`, "must be owner of function audit_event_chain"],
    ["skipping triggers with session_replication_role", `SET session_replication_role = replica`, 'permission denied to set parameter "session_replication_role"'],
    ["moving the chain head", `UPDATE audit_chain_head SET "lastSequence" = 0`, "permission denied for table audit_chain_head"],
  ] as [string, string, string | RegExp][])("%s is refused", async (_name, sql, message) => {
    await withPgClient(database.appUrl, async (client) => {
      await expect(client.query(sql)).rejects.toThrow(message);
    });
    const report = await verifyAuditChain(database.appUrl);
    expect(report.problems).toEqual([]);
    expect(report.events).toBe(5);
  });

  test("a backdated insert with its own sequence number and hash gets the transaction's time, the next number and the real hash", async () => {
    const before = await verifyAuditChain(database.appUrl);
    const rows = await withPgClient(database.appUrl, async (client) => {
      await client.query("BEGIN");
      await append(client, "test.backdated", { createdAt: "2001-01-01T00:00:00Z", sequence: 1, hash: "f".repeat(64) });
      const { rows } = await client.query<{ sequence: string; createdAt: Date; now: Date; hash: string; previousHash: string }>(
        `SELECT "sequence"::text AS "sequence", "createdAt", date_trunc('milliseconds', now() AT TIME ZONE 'UTC') AS "now", "hash", "previousHash"
           FROM audit_event WHERE "action" = 'test.backdated'`,
      );
      await client.query("COMMIT");
      return rows;
    });
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row?.createdAt.getTime()).toBe(row?.now.getTime());
    expect(row?.sequence).toBe(String(Number(before.last?.sequence) + 1));
    expect(row?.previousHash).toBe(before.last?.hash);
    expect(row?.hash).not.toBe("f".repeat(64));
    const after = await verifyAuditChain(database.appUrl);
    expect(after.problems).toEqual([]);
    expect(after.last?.hash).toBe(row?.hash);
  });

  test("even the owner's UPDATE, DELETE and TRUNCATE are refused by the triggers", async () => {
    await withPgClient(database.ownerUrl, async (client) => {
      await expect(client.query(`UPDATE audit_event SET "action" = 'rewritten'`)).rejects.toThrow("audit_event is append-only");
      await expect(client.query(`DELETE FROM audit_event`)).rejects.toThrow("audit_event is append-only");
      await expect(client.query(`TRUNCATE audit_event`)).rejects.toThrow("audit_event is append-only");
      await expect(client.query(`UPDATE audit_chain_head SET "lastSequence" = 0`)).rejects.toThrow("audit_chain_head is written only by the audit_event trigger");
    });
    expect((await verifyAuditChain(database.appUrl)).problems).toEqual([]);
  });
});

describe("the hash chain", () => {
  test("concurrent appends from 16 connections, some in transactions that roll back, leave a contiguous, intact chain", async () => {
    const before = await verifyAuditChain(database.appUrl);
    await Promise.all(
      Array.from({ length: 16 }, (_, worker) =>
        withPgClient(database.appUrl, async (client) => {
          for (let i = 0; i < 15; i += 1) {
            await client.query("BEGIN");
            await append(client, `test.concurrent.${worker}.${i}`);
            // Every third transaction also touches the organization, as environment changes do.
            if (i % 3 === 0) await client.query(`UPDATE organization SET "name" = "name" WHERE "id" = $1`, [ORGANIZATION]);
            await client.query(i % 5 === 4 ? "ROLLBACK" : "COMMIT");
          }
        }),
      ),
    );
    const after = await verifyAuditChain(database.appUrl);
    expect(after.problems).toEqual([]);
    expect(after.events).toBe(before.events + 16 * 12);
    expect(after.last?.sequence).toBe(String(after.events));
  });

  test("`npm run audit:verify` passes on an intact log", () => {
    const result = run(database.appUrl);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/^Audit log intact: \d+ events, #1 to #\d+; last hash [0-9a-f]{64} \(keep it elsewhere to detect a rewrite of the whole chain\)\.\n$/);
    expect(result.status).toBe(0);
  });

  describe("after tampering by someone with the owner's rights", () => {
    let tampered: TestDatabase;

    beforeAll(async () => {
      tampered = await createTestDatabase(inject("databaseAdminUrl"), "audit_tampered");
      await seed(tampered, 8);
    });

    afterAll(async () => {
      await tampered?.drop();
    });

    test("a deleted event is a gap, an edited one a change, a row slipped in around the trigger is outside the chain, and the first bad row is named", async () => {
      const ids = await withPgClient(tampered.ownerUrl, async (client) => {
        const { rows } = await client.query<{ sequence: string; id: string }>(`SELECT "sequence"::text AS "sequence", "id"::text AS "id" FROM audit_event ORDER BY "sequence"`);
        await client.query(`ALTER TABLE audit_event DISABLE TRIGGER USER`);
        await client.query(`DELETE FROM audit_event WHERE "sequence" = 3`);
        await client.query(`UPDATE audit_event SET "details" = '{"note": "nothing happened"}' WHERE "sequence" = 6`);
        await client.query(
          `INSERT INTO audit_event ("id", "organizationId", "actorType", "action", "createdAt", "sequence", "hash", "previousHash")
           VALUES ($1, $2, 'user', 'test.forged', '2001-01-01', 0, $3, $3)`,
          [randomUUID(), ORGANIZATION, GENESIS_HASH],
        );
        await client.query(`ALTER TABLE audit_event ENABLE TRIGGER USER`);
        return rows.map((row) => row.id);
      });
      const report = await verifyAuditChain(tampered.appUrl);
      expect(report.problems.map((problem) => [problem.sequence, problem.message.split(":")[0]])).toEqual([
        ["0", "Outside the chain"],
        ["3", "Gap"],
        ["6", "Changed"],
      ]);
      expect(report.problems.find((problem) => problem.sequence === "3")?.message).toContain(`Gap: #3 missing (deleted?) before event #4 (${ids[3]}, test.event.4,`);
      expect(report.problems.find((problem) => problem.sequence === "6")?.message).toContain(`Changed: event #6 (${ids[5]}, test.event.6,`);

      const result = run(tampered.appUrl);
      expect(result.stdout).toBe("");
      expect(result.stderr.split("\n")[0]).toBe("Audit log NOT intact: 3 problems in 8 events. First bad row: #0.");
      expect(result.stderr).toContain("  - Gap: #3 missing (deleted?) before event #4");
      expect(result.status).toBe(1);
    });

    test("events deleted from the end are a gap against the chain head", async () => {
      const end = await createTestDatabase(inject("databaseAdminUrl"), "audit_truncated");
      try {
        await seed(end, 4);
        await withPgClient(end.ownerUrl, async (client) => {
          await client.query(`ALTER TABLE audit_event DISABLE TRIGGER USER`);
          await client.query(`DELETE FROM audit_event WHERE "sequence" >= 3`);
          await client.query(`ALTER TABLE audit_event ENABLE TRIGGER USER`);
        });
        const report = await verifyAuditChain(end.appUrl);
        expect(report.problems.map((problem) => problem.message)).toEqual([
          "Gap: #3 to #4 missing at the end of the log (the chain head says #4 was written).",
        ]);
      } finally {
        await end.drop();
      }
    });
  });
});
