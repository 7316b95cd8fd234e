/**
 * Issue 12, defects 5 and 6 on the support console, through its real services and the use-case
 * pipeline (no Next): hostile input is refused with a message (never a server fault, never
 * stored cut short), and notes, exports and support's reads of a tenant's log are audited.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { asCustomer, asSupport } from "@/lib/auth/access";
import { callerForUser, type SupportCaller } from "@/lib/auth/caller";
import { auditTimeline, auditTimelinePage } from "@/lib/audit/timeline";
import { verifyAuditChain } from "@/lib/audit/chain";
import { db } from "@/lib/db";
import { publicError } from "@/lib/errors";
import { runUseCase } from "@/lib/pipeline/use-case";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/test-database";
import { getSupportEnvironment, getTenant, listTenants, supportNoteSchema } from "./console";
import { encodeCursor } from "./tenants";
import { addSupportNoteUseCase, exportTenantAuditLogUseCase } from "./use-cases";

let database: TestDatabase;
let support: SupportCaller;
let organizationId: string;
let environmentId: string;
let customerId: string;

beforeAll(async () => {
  database = await createTestDatabase(inject("databaseAdminUrl"), "support_console");
  Object.assign(process.env, { DATABASE_URL: database.url, BYOK_EMBEDDED: "1" });
  const unique = randomUUID().slice(0, 8);
  organizationId = `org_${unique}`;
  customerId = `customer_${unique}`;
  await db().organization.create({ data: { id: organizationId, name: "Acme Corp", slug: `acme-${unique}` } });
  await db().user.create({ data: { id: customerId, name: "Acme Admin", email: `admin-${unique}@acme.example` } });
  await db().member.create({ data: { id: `member_${unique}`, organizationId, userId: customerId, role: "owner" } });
  const environment = await db().environment.create({ data: { organizationId, createdById: customerId, name: "Production", region: "eu-west-1" } });
  environmentId = environment.id;
  await db().user.create({ data: { id: `support_${unique}`, name: "Vendor Support", email: `support-${unique}@vendor.example`, role: "support" } });
  support = asSupport(await callerForUser(`support_${unique}`, { ipAddress: "198.51.100.4" }));
});

afterAll(async () => {
  await db().$disconnect();
  await database?.drop();
});

/** What the browser would get: the use case's output, or the status and message of its failure. */
async function attempt<I, O>(useCase: Parameters<typeof runUseCase<"support", I, O>>[0], input: unknown) {
  try {
    return { ok: true as const, output: (await runUseCase(useCase, { caller: support, ipAddress: support.ipAddress }, input)).output };
  } catch (error) {
    const shown = publicError(error);
    return { ok: false as const, status: shown.status, message: shown.message, fieldErrors: shown.fieldErrors };
  }
}

const actions = async (action: string) => db().auditEvent.findMany({ where: { organizationId, action }, orderBy: { sequence: "asc" } });

describe("hostile input is refused with a message, never a server fault", () => {
  test.each([
    ["\u0000", 400],
    ["abc\u0000def", 400],
    ["bell\u0007", 400],
  ])("a note %j is refused with a 400 and nothing is stored", async (body, status) => {
    const result = await attempt(addSupportNoteUseCase, { organizationId, body });
    // The pipeline's input rules (lib/pipeline) or the note's schema: either way a 400 naming the body.
    expect(result).toMatchObject({ ok: false, status });
    expect(result.ok ? [] : result.fieldErrors.body).toEqual([expect.stringMatching(/control character \(such as NUL\)/)]);
    expect(await db().supportNote.count({ where: { organizationId } })).toBe(0);
  });

  test("the note's own schema refuses NUL too, with its message, for any caller that skips the pipeline", () => {
    const parsed = supportNoteSchema.safeParse({ organizationId, body: "abc\u0000def" });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.message)).toEqual(["A note cannot contain control characters (such as NUL); remove them and save again."]);
  });

  test("a note with line breaks and tabs is kept whole", async () => {
    const body = "Called the customer.\n\tKey policy fixed.\r\nRetry tomorrow.";
    const result = await attempt(addSupportNoteUseCase, { organizationId, body });
    expect(result.ok).toBe(true);
    const notes = await db().supportNote.findMany({ where: { organizationId } });
    expect(notes.map((note) => note.body)).toEqual([body]);
  });

  test.each([
    ["\u0000"],
    ["acme\u0000"],
    ["line\nbreak"],
  ])("a search for %j shows every tenant and says why", async (q) => {
    const { query, problems, page } = await listTenants(support, { searchParams: { q, status: "FAILED" } });
    expect(problems).toEqual(["A search cannot contain control characters (such as NUL) or line breaks; type it again without them."]);
    // Only the search is left out: the valid filter still applies.
    expect(query.q).toBeUndefined();
    expect(query.status).toBe("FAILED");
    expect(page.rows).toEqual([]);
  });

  const forged = (sort: string, value: unknown, id = "org") => Buffer.from(JSON.stringify({ sort, value, id })).toString("base64url");
  test.each([
    ["activity", "not-a-date", forged("activity", "not-a-date")],
    ["activity", "a date PostgreSQL would refuse", forged("activity", "2026-02-30T00:00:00.000Z")],
    ["environments", "1e20", forged("environments", 1e20)],
    ["status", "a fraction", forged("status", 1.5)],
    ["name", "NUL in the id", forged("name", "Acme", "org\u0000")],
    ["-name", "NUL in the value", forged("-name", "Ac\u0000me")],
    ["name", "not base64 JSON", "not-a-cursor"],
    ["name", "JSON null", Buffer.from("null").toString("base64url")],
    ["name", "a NUL in the raw text", "abc\u0000"],
  ])("a %s cursor with %s falls back to the first page and says so", async (sort, _what, cursor) => {
    const { query, problems, page } = await listTenants(support, { searchParams: { sort, cursor } });
    expect(problems).toEqual(["That page link is not valid (or was made for another sort order); showing the first page."]);
    expect(query.cursor).toBeUndefined();
    expect(page.rows.map((row) => row.id)).toContain(organizationId);
  });

  test("a cursor the list made itself still pages", async () => {
    const cursor = encodeCursor({ sort: "activity", value: "2000-01-01T00:00:00.000Z", id: "zzz" });
    const { problems, query } = await listTenants(support, { searchParams: { sort: "activity", cursor } });
    expect(problems).toEqual([]);
    expect(query.cursor).toBe(cursor);
  });

  test.each([["\u0000"], ["org\u0000"], ["x".repeat(101)]])("the audit-log export of organization %j is a 400, not a 500", async (id) => {
    const result = await attempt(exportTenantAuditLogUseCase, { organizationId: id, format: "csv" });
    expect(result).toMatchObject({ ok: false, status: 400 });
    expect(result.ok ? [] : result.fieldErrors.organizationId).toEqual([expect.stringMatching(/^(That organization id is not valid\.|.*control character.*)$/)]);
  });

  test("tenant and environment pages of an id with NUL are a 404", async () => {
    await expect(getTenant(support, { organizationId: "\u0000" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(getSupportEnvironment(support, { environmentId: "\u0000" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("support's notes, exports and reads are audited", () => {
  test("a note is recorded with its author and address, without its text", async () => {
    const before = (await actions("support.note.added")).length;
    const result = await attempt(addSupportNoteUseCase, { organizationId, environmentId, body: "Customer asked for a call." });
    expect(result.ok).toBe(true);
    const events = await actions("support.note.added");
    expect(events).toHaveLength(before + 1);
    const event = events.at(-1);
    expect(event).toMatchObject({ actorType: "support", actorUserId: support.userId, environmentId, ipAddress: "198.51.100.4" });
    expect(JSON.stringify(event?.details)).not.toContain("Customer asked");
    expect(event?.details).toMatchObject({ characters: "Customer asked for a call.".length });
  });

  test("the customer's own timeline never shows that support wrote a note; support's does", async () => {
    const customerTimeline = await auditTimeline(db(), { organizationId });
    expect(customerTimeline.map((entry) => entry.action)).not.toContain("support.note.added");
    const supportTimeline = await auditTimeline(db(), { organizationId, includeInternal: true });
    expect(supportTimeline.map((entry) => entry.action)).toContain("support.note.added");
    // The customer's caller resolves as before (the fixture is a real admin of the tenant).
    expect(asCustomer(await callerForUser(customerId)).organizationId).toBe(organizationId);
  });

  test("an export of a tenant's log is recorded with its format and size", async () => {
    const result = await attempt(exportTenantAuditLogUseCase, { organizationId, format: "json" });
    expect(result.ok).toBe(true);
    const events = await actions("support.audit_log.exported");
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorType: "support", actorUserId: support.userId, ipAddress: "198.51.100.4" });
    expect(events[0]?.details).toEqual({ format: "json", events: result.ok ? result.output.entries.length : -1 });
  });

  test("opening the tenant and environment pages (which show the log) is recorded", async () => {
    await getTenant(support, { organizationId });
    await getSupportEnvironment(support, { environmentId });
    const events = await actions("support.audit_log.viewed");
    expect(events.map((event) => [event.environmentId, event.details])).toEqual([
      [null, { scope: "organization" }],
      [environmentId, { scope: "environment" }],
    ]);
    expect(events.every((event) => event.actorUserId === support.userId)).toBe(true);
  });

  test("the environment page's timeline pages by 50 through a cursor and filters by kind; bad values are dropped with a message", async () => {
    const all = await getSupportEnvironment(support, { environmentId });
    expect(all.timelinePage).toMatchObject({ events: "all", isFirstPage: true, problems: [] });
    const onlySupport = await getSupportEnvironment(support, { environmentId }, { events: "support" });
    expect(onlySupport.timeline.length).toBeGreaterThan(0);
    expect(onlySupport.timeline.every((entry) => entry.actorType === "support")).toBe(true);
    // Pages: each older than the last, none repeated, the last with no cursor.
    const seen = new Set<string>();
    let before: string | undefined;
    for (let pages = 0; pages < 50; pages += 1) {
      const page = await getSupportEnvironment(support, { environmentId }, { events: "support", ...(before ? { before } : {}) });
      for (const entry of page.timeline) {
        expect(seen.has(entry.id)).toBe(false);
        seen.add(entry.id);
      }
      if (!page.timelinePage.olderBefore) break;
      before = page.timelinePage.olderBefore;
    }
    expect(seen.size).toBeGreaterThanOrEqual(onlySupport.timeline.length);
    // Small pages put together are the whole timeline, in order.
    const whole = await auditTimeline(db(), { organizationId, environmentId, includeInternal: true, limit: 1000 });
    const paged: string[] = [];
    let cursor: bigint | undefined;
    for (;;) {
      const page = await auditTimelinePage(db(), { organizationId, environmentId, includeInternal: true, pageSize: 2, ...(cursor === undefined ? {} : { before: cursor }) });
      paged.push(...page.entries.map((entry) => entry.id));
      if (!page.olderBefore) break;
      cursor = BigInt(page.olderBefore);
    }
    expect(whole.length).toBeGreaterThan(2);
    expect(paged).toEqual(whole.map((entry) => entry.id));
    const bad = await getSupportEnvironment(support, { environmentId }, { events: "<script>", before: "-1" });
    expect(bad.timelinePage.events).toBe("all");
    expect(bad.timelinePage.problems).toEqual(["Unknown event filter: showing all events.", "That page of the timeline does not exist: showing the newest events."]);
  });

  test("the chain is intact after all of it", async () => {
    expect((await verifyAuditChain(database.appUrl)).problems).toEqual([]);
  });
});
