/**
 * Alert webhooks end to end without Next: the settings use cases through the pipeline, real
 * PostgreSQL, the worker driven pass by pass with a fake clock, and a local receiver on
 * 127.0.0.1 that checks every signature.
 */
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from "vitest";
import { asCustomer } from "@/lib/auth/access";
import { callerForUser, type CustomerCaller } from "@/lib/auth/caller";
import { db } from "@/lib/db";
import { publicError } from "@/lib/errors";
import { raiseAlert } from "@/lib/notifications/alerts";
import { listNotifications, unreadNotificationCount } from "@/lib/notifications/list";
import { markAllNotificationsReadUseCase } from "@/lib/notifications/use-cases";
import { runUseCase, type UseCase } from "@/lib/pipeline/use-case";
import { seedOrganization } from "@/lib/provisioning/__testing__/harness";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/test-database";
import { startWebhookReceiver, type WebhookReceiver } from "./__testing__/receiver";
import { getWebhookSettings, listWebhookDeliveries } from "./settings";
import { removeWebhookUseCase, rotateWebhookSecretUseCase, saveWebhookUrlUseCase, sendTestAlertUseCase, setWebhookEnabledUseCase } from "./use-cases";
import { DEFAULT_BACKOFF_MS, processDueDeliveries } from "./worker";

let database: TestDatabase;
let receiver: WebhookReceiver;

beforeAll(async () => {
  database = await createTestDatabase(inject("databaseAdminUrl"), "webhooks");
  Object.assign(process.env, { DATABASE_URL: database.url, BYOK_EMBEDDED: "1", WEBHOOK_ALLOW_LOOPBACK_HTTP: "1" });
  receiver = await startWebhookReceiver();
});

afterAll(async () => {
  await receiver?.close();
  await db().$disconnect();
  await database?.drop();
});

afterEach(() => {
  receiver.answerWith(); // nothing planned carries over: answers are 200 unless a test says otherwise
});

async function newCustomer(stem: string): Promise<CustomerCaller> {
  const org = await seedOrganization(stem);
  return asCustomer(await callerForUser(org.userId, { ipAddress: "203.0.113.7" }));
}

function run<I, O>(useCase: UseCase<"customer", I, O>, caller: CustomerCaller, input: unknown = {}): Promise<O> {
  return runUseCase(useCase, { caller, ipAddress: caller.ipAddress }, input).then((outcome) => outcome.output);
}

/** A clock the test moves by hand, starting now (after the rows it should find due). */
function fakeClock() {
  let now = Date.now() + 1;
  return { clock: () => new Date(now), advance: (ms: number) => (now += ms) };
}

async function raiseWarning(caller: CustomerCaller, title: string) {
  return db().$transaction((tx) => raiseAlert(tx, { organizationId: caller.organizationId, kind: "key-health.degraded", severity: "warning", title, body: `${title} body` }));
}

const delivery = (id: string) => db().webhookDelivery.findUniqueOrThrow({ where: { id } });

describe("a webhook set up in the settings", () => {
  let acme: CustomerCaller;
  let secret: string;

  beforeAll(async () => {
    acme = await newCustomer("acme");
    const saved = await run(saveWebhookUrlUseCase, acme, { url: receiver.url });
    expect(saved.created).toBe(true);
    secret = saved.secret ?? "";
    expect(secret).toMatch(/^whsec_/);
  });

  test("Send test: a signed delivery arrives, verifies with the secret shown once, and is logged as delivered", async () => {
    const sent = await run(sendTestAlertUseCase, acme);
    const { clock } = fakeClock();
    expect(await processDueDeliveries({ database: db(), clock })).toBe(1);

    const request = await receiver.waitFor((r) => r.deliveryId === sent.deliveryId);
    expect(request.method).toBe("POST");
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.event).toBe("webhook.test");
    expect(request.verify(secret)).toMatchObject({ ok: true });
    expect(request.verify("whsec_someone-else")).toEqual({ ok: false, reason: "mismatch" });
    expect(JSON.parse(request.body)).toMatchObject({ id: sent.notificationId, type: "webhook.test", severity: "info", organizationId: acme.organizationId });

    expect(await delivery(sent.deliveryId)).toMatchObject({ status: "delivered", attempts: 1, lastStatusCode: 200, lastError: null, nextAttemptAt: null });
    const log = await listWebhookDeliveries(acme, { page: 1 });
    expect(log.items[0]).toMatchObject({ id: sent.deliveryId, event: "webhook.test", status: "delivered" });
    // The notification is in the header's list too.
    expect(await unreadNotificationCount(acme)).toBeGreaterThanOrEqual(1);
  });

  test("a 500 is retried after the backoff; the log shows 500, then 200", async () => {
    const { deliveryId } = await raiseWarning(acme, "Flaky receiver");
    receiver.answerWith(500);
    const time = fakeClock();
    await processDueDeliveries({ database: db(), clock: time.clock });
    expect(await delivery(deliveryId ?? "")).toMatchObject({ status: "pending", attempts: 1, lastStatusCode: 500, lastError: expect.stringMatching(/^HTTP 500/) });

    // Not due again before the first backoff (10 s).
    time.advance(DEFAULT_BACKOFF_MS[0]! - 1_000);
    expect(await processDueDeliveries({ database: db(), clock: time.clock })).toBe(0);
    time.advance(1_000);
    expect(await processDueDeliveries({ database: db(), clock: time.clock })).toBe(1);
    expect(await delivery(deliveryId ?? "")).toMatchObject({ status: "delivered", attempts: 2, lastStatusCode: 200, lastError: null });

    const tries = receiver.received.filter((r) => r.deliveryId === deliveryId);
    expect(tries.map((r) => r.answeredWith)).toEqual([500, 200]);
    // Each try is signed afresh, and both verify.
    expect(tries.every((r) => r.verify(secret, Math.floor(time.clock().getTime() / 1000)).ok)).toBe(true);
  });

  test("a redirect is not followed (and counts as a failed try)", async () => {
    const { deliveryId } = await raiseWarning(acme, "Redirecting receiver");
    receiver.answerWith(302);
    await processDueDeliveries({ database: db(), clock: fakeClock().clock });
    expect(await delivery(deliveryId ?? "")).toMatchObject({ status: "pending", attempts: 1, lastStatusCode: 302, lastError: expect.stringMatching(/Redirect/) });
    expect(receiver.received.filter((r) => r.deliveryId === deliveryId)).toHaveLength(1);
  });

  test("two workers at once never send one delivery twice", async () => {
    const { deliveryId } = await raiseWarning(acme, "Raced");
    const { clock } = fakeClock();
    const counts = await Promise.all([1, 2, 3].map(() => processDueDeliveries({ database: db(), clock })));
    expect(counts.reduce((sum, count) => sum + count, 0)).toBeGreaterThanOrEqual(1);
    expect(receiver.received.filter((r) => r.deliveryId === deliveryId)).toHaveLength(1);
  });

  test("the secret rotates (shown once more) and signs the next delivery; no audit event holds a secret", async () => {
    const rotated = await run(rotateWebhookSecretUseCase, acme);
    expect(rotated.secret).not.toBe(secret);
    const sent = await run(sendTestAlertUseCase, acme);
    await processDueDeliveries({ database: db(), clock: fakeClock().clock });
    const request = await receiver.waitFor((r) => r.deliveryId === sent.deliveryId);
    expect(request.verify(rotated.secret).ok).toBe(true);
    expect(request.verify(secret).ok).toBe(false);
    secret = rotated.secret;

    const events = await db().auditEvent.findMany({ where: { organizationId: acme.organizationId }, select: { action: true, details: true } });
    expect(events.map((event) => event.action)).toEqual(expect.arrayContaining(["webhook.created", "webhook.secret_rotated", "webhook.test_sent"]));
    expect(JSON.stringify(events)).not.toMatch(/whsec_/);
  });
});

test("a dead endpoint ends as failed after 8 tries, each logged with its error", async () => {
  const caller = await newCustomer("deadend");
  const dead = await startWebhookReceiver();
  const deadUrl = dead.url;
  await dead.close(); // nothing listens there any more
  await run(saveWebhookUrlUseCase, caller, { url: deadUrl });
  const { deliveryId } = await raiseWarning(caller, "Nobody home");
  const time = fakeClock();
  for (let attempt = 1; attempt <= DEFAULT_BACKOFF_MS.length + 1; attempt++) {
    // Other tests' unfinished rows may come due in this fake future too: only this row is judged.
    await processDueDeliveries({ database: db(), clock: time.clock });
    const row = await delivery(deliveryId ?? "");
    expect(row).toMatchObject({ attempts: attempt, lastStatusCode: null, lastError: "Connection refused." });
    expect(row.lastAttemptAt?.getTime()).toBe(time.clock().getTime());
    time.advance(DEFAULT_BACKOFF_MS[attempt - 1] ?? 0);
  }
  expect(await delivery(deliveryId ?? "")).toMatchObject({ status: "failed", attempts: 8, nextAttemptAt: null });
  time.advance(24 * 60 * 60 * 1000);
  await processDueDeliveries({ database: db(), clock: time.clock });
  expect(await delivery(deliveryId ?? "")).toMatchObject({ status: "failed", attempts: 8 });
});

test("retries go to the URL the customer fixed in the meantime", async () => {
  const caller = await newCustomer("fixed");
  const dead = await startWebhookReceiver();
  await dead.close();
  await run(saveWebhookUrlUseCase, caller, { url: dead.url });
  const { deliveryId } = await raiseWarning(caller, "Sent before the fix");
  const time = fakeClock();
  await processDueDeliveries({ database: db(), clock: time.clock });
  expect(await delivery(deliveryId ?? "")).toMatchObject({ status: "pending", attempts: 1, lastError: "Connection refused." });
  await run(saveWebhookUrlUseCase, caller, { url: receiver.url });
  time.advance(DEFAULT_BACKOFF_MS[0] ?? 0);
  await processDueDeliveries({ database: db(), clock: time.clock });
  expect(await delivery(deliveryId ?? "")).toMatchObject({ status: "delivered", attempts: 2, url: receiver.url, lastStatusCode: 200 });
});

test("a request that hangs is cut off at the timeout", async () => {
  const caller = await newCustomer("slow");
  const http = await import("node:http");
  const hanging = http.createServer(() => undefined); // never answers
  await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
  const port = (hanging.address() as { port: number }).port;
  try {
    await run(saveWebhookUrlUseCase, caller, { url: `http://127.0.0.1:${port}/hook` });
    const { deliveryId } = await raiseWarning(caller, "Slow");
    await processDueDeliveries({ database: db(), clock: fakeClock().clock, timeoutMs: 300 });
    expect(await delivery(deliveryId ?? "")).toMatchObject({ status: "pending", attempts: 1, lastError: "No answer within 0.3 s." });
  } finally {
    hanging.closeAllConnections();
    hanging.close();
  }
});

test("alerts waiting for a disabled or removed webhook are not sent", async () => {
  const caller = await newCustomer("switchoff");
  await run(saveWebhookUrlUseCase, caller, { url: receiver.url });
  const first = await raiseWarning(caller, "Before disabling");
  await run(setWebhookEnabledUseCase, caller, { enabled: false });
  await processDueDeliveries({ database: db(), clock: fakeClock().clock });
  expect(await delivery(first.deliveryId ?? "")).toMatchObject({ status: "failed", attempts: 0, lastError: "Not sent: the webhook is disabled." });
  // While disabled, alerts still notify but queue no delivery; Send test says why it cannot.
  expect((await raiseWarning(caller, "While disabled")).deliveryId).toBeNull();
  await expect(run(sendTestAlertUseCase, caller)).rejects.toMatchObject({ code: "CONFLICT" });

  await run(setWebhookEnabledUseCase, caller, { enabled: true });
  const second = await raiseWarning(caller, "Before removing");
  await run(removeWebhookUseCase, caller);
  await processDueDeliveries({ database: db(), clock: fakeClock().clock });
  expect(await delivery(second.deliveryId ?? "")).toMatchObject({ status: "failed", lastError: "Not sent: the webhook was removed." });
  expect(receiver.received.some((r) => r.deliveryId === first.deliveryId || r.deliveryId === second.deliveryId)).toBe(false);
  expect(await getWebhookSettings(caller)).toBeNull();
});

test("the URL is checked on the server: https only (loopback http here because the tests allow it), no credentials", async () => {
  const caller = await newCustomer("urls");
  await expect(run(saveWebhookUrlUseCase, caller, { url: "http://alerts.example.com/" })).rejects.toMatchObject({ name: "ZodError" });
  await expect(run(saveWebhookUrlUseCase, caller, { url: "https://u:p@alerts.example.com/" })).rejects.toMatchObject({ name: "ZodError" });
  await expect(run(saveWebhookUrlUseCase, caller, { url: "https://169.254.169.254/" })).rejects.toMatchObject({ name: "ZodError" });
  const saved = await run(saveWebhookUrlUseCase, caller, { url: "https://alerts.example.com/byok" });
  expect(saved.created).toBe(true);
  // Replacing the URL keeps the secret the receiver has.
  const replaced = await run(saveWebhookUrlUseCase, caller, { url: "https://alerts2.example.com/byok" });
  expect(replaced).toEqual({ created: false, secret: null });
  expect(await getWebhookSettings(caller)).toMatchObject({ url: "https://alerts2.example.com/byok", enabled: true });
});

test("another organization sees neither the settings nor the log, and cannot act on them", async () => {
  const owner = await newCustomer("owner");
  const stranger = await newCustomer("stranger");
  await run(saveWebhookUrlUseCase, owner, { url: receiver.url });
  await run(sendTestAlertUseCase, owner);

  expect(await getWebhookSettings(stranger)).toBeNull();
  expect((await listWebhookDeliveries(stranger, { page: 1 })).items).toEqual([]);
  expect((await listNotifications(stranger, { page: 1 })).items).toEqual([]);
  await expect(run(rotateWebhookSecretUseCase, stranger)).rejects.toMatchObject({ code: "CONFLICT" });
  await expect(run(sendTestAlertUseCase, stranger)).rejects.toMatchObject({ code: "CONFLICT" });
  await expect(run(removeWebhookUseCase, stranger)).rejects.toMatchObject({ code: "CONFLICT" });
  // An organization id in the input is ignored: the caller's own organization is used.
  await expect(run(setWebhookEnabledUseCase, stranger, { enabled: false, organizationId: owner.organizationId })).rejects.toMatchObject({ code: "CONFLICT" });
  await run(markAllNotificationsReadUseCase, stranger);
  expect(await unreadNotificationCount(owner)).toBe(1);
  expect(await getWebhookSettings(owner)).toMatchObject({ enabled: true });
});

test("notifications: newest first, paged, and Mark all as read clears the unread count (audited)", async () => {
  const caller = await newCustomer("notify");
  for (let i = 1; i <= 23; i++) await raiseWarning(caller, `Alert ${i}`);
  expect(await unreadNotificationCount(caller)).toBe(23);
  const first = await listNotifications(caller, { page: 1 });
  expect(first).toMatchObject({ page: 1, pageCount: 2, total: 23, unread: 23 });
  expect(first.items[0]?.title).toBe("Alert 23");
  const second = await listNotifications(caller, { page: 2 });
  expect(second.items.map((item) => item.title)).toEqual(["Alert 3", "Alert 2", "Alert 1"]);
  expect((await listNotifications(caller, { page: 99 })).page).toBe(2);

  expect(await run(markAllNotificationsReadUseCase, caller)).toEqual({ marked: 23 });
  expect(await unreadNotificationCount(caller)).toBe(0);
  const audit = await db().auditEvent.findFirstOrThrow({ where: { organizationId: caller.organizationId, action: "notifications.marked_read" } });
  expect(audit.details).toEqual({ count: 23 });
});

test("hostile input to every alert use case is refused or ignored, never a server fault", async () => {
  const caller = await newCustomer("hostile");
  const hostile: unknown[] = ["\u0000", "x".repeat(100_000), 42, null, undefined, [], ["a"], { url: "\u0000" }, { url: 7 }, { url: "https://a.example/\r\nX: y" }, { enabled: "yes" }, { enabled: null }, JSON.parse('{"__proto__": {"polluted": 1}}')];
  const useCases = [saveWebhookUrlUseCase, rotateWebhookSecretUseCase, setWebhookEnabledUseCase, removeWebhookUseCase, sendTestAlertUseCase, markAllNotificationsReadUseCase] as UseCase<"customer", unknown, unknown>[];
  const faults: string[] = [];
  for (const useCase of useCases) {
    for (const input of hostile) {
      try {
        await run(useCase, caller, input);
      } catch (error) {
        if (publicError(error).status >= 500) faults.push(`${useCase.name} ${JSON.stringify(input)?.slice(0, 40)}: ${String(error)}`);
      }
    }
  }
  expect(faults).toEqual([]);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});
