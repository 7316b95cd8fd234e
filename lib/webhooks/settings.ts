import "server-only";
import type { CustomerCaller } from "@/lib/auth/caller";
import { recordAudit } from "@/lib/audit/record";
import type { Prisma } from "@/generated/prisma/client";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { raiseAlert } from "@/lib/notifications/alerts";
import { generateWebhookSecret } from "./sign";
import { webhookUrlFormSchema, type WebhookUrlInput } from "./url";
import { wakeWebhookWorker } from "./worker";

/**
 * An organization's alert webhook: its URL, its signing secret (made here, shown once), on or
 * off, and the log of what was sent. Every read and write is scoped to the caller's
 * organization; every change is audited without the secret (the audit keeps the host only: a
 * URL's path or query may carry a token of the receiving service).
 */

export const DELIVERIES_PAGE_SIZE = 25;

export function webhookUrlInputSchema() {
  return webhookUrlFormSchema({ allowLoopbackHttp: env().webhookAllowLoopbackHttp });
}

/** The settings page's view: never the secret. */
export async function getWebhookSettings(caller: CustomerCaller) {
  return db().webhookEndpoint.findUnique({
    where: { organizationId: caller.organizationId },
    select: { url: true, enabled: true, createdAt: true, updatedAt: true },
  });
}

/** One page of the organization's delivery log, newest first. */
export async function listWebhookDeliveries(caller: CustomerCaller, options: { page: number }) {
  const where = { organizationId: caller.organizationId };
  const total = await db().webhookDelivery.count({ where });
  const pageCount = Math.max(1, Math.ceil(total / DELIVERIES_PAGE_SIZE));
  const page = Math.min(options.page, pageCount);
  const items = await db().webhookDelivery.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    skip: (page - 1) * DELIVERIES_PAGE_SIZE,
    take: DELIVERIES_PAGE_SIZE,
    select: { id: true, event: true, status: true, attempts: true, lastStatusCode: true, lastError: true, createdAt: true, lastAttemptAt: true, deliveredAt: true, nextAttemptAt: true },
  });
  return { items, page, pageCount, total };
}
export type DeliveryLogPage = Awaited<ReturnType<typeof listWebhookDeliveries>>;

function audit(tx: Prisma.TransactionClient, caller: CustomerCaller, action: string, details: Prisma.InputJsonObject = {}) {
  return recordAudit(tx, { organizationId: caller.organizationId, actor: { type: "user", userId: caller.userId }, action, ipAddress: caller.ipAddress, details });
}

const hostOf = (url: string) => new URL(url).host;

/** Locks the organization row, so two first saves cannot both create an endpoint (the second would fail on the key). */
async function lockOrganization(tx: Prisma.TransactionClient, caller: CustomerCaller): Promise<void> {
  await tx.$queryRaw`SELECT id FROM organization WHERE id = ${caller.organizationId} FOR UPDATE`;
}

/**
 * Sets the URL. A new webhook gets a new secret, returned this once; replacing the URL keeps
 * the secret the receiver already has.
 */
export async function saveWebhookUrl(caller: CustomerCaller, input: WebhookUrlInput): Promise<{ created: boolean; secret: string | null }> {
  const url = new URL(input.url).href;
  return db().$transaction(async (tx) => {
    await lockOrganization(tx, caller);
    const existing = await tx.webhookEndpoint.findUnique({ where: { organizationId: caller.organizationId }, select: { url: true } });
    if (existing) {
      await tx.webhookEndpoint.update({ where: { organizationId: caller.organizationId }, data: { url } });
      await audit(tx, caller, "webhook.url_changed", { host: hostOf(url), previousHost: hostOf(existing.url) });
      return { created: false, secret: null };
    }
    const secret = generateWebhookSecret();
    await tx.webhookEndpoint.create({ data: { organizationId: caller.organizationId, url, secret, enabled: true } });
    await audit(tx, caller, "webhook.created", { host: hostOf(url) });
    return { created: true, secret };
  });
}

function noWebhook(): AppError {
  return new AppError("CONFLICT", "There is no webhook set up yet: save a URL first.");
}

/** A new secret, returned this once; the old one stops signing at once. */
export async function rotateWebhookSecret(caller: CustomerCaller): Promise<{ secret: string }> {
  return db().$transaction(async (tx) => {
    const secret = generateWebhookSecret();
    const { count } = await tx.webhookEndpoint.updateMany({ where: { organizationId: caller.organizationId }, data: { secret } });
    if (count === 0) throw noWebhook();
    await audit(tx, caller, "webhook.secret_rotated");
    return { secret };
  });
}

export async function setWebhookEnabled(caller: CustomerCaller, input: { enabled: boolean }): Promise<{ enabled: boolean }> {
  return db().$transaction(async (tx) => {
    const { count } = await tx.webhookEndpoint.updateMany({ where: { organizationId: caller.organizationId }, data: { enabled: input.enabled } });
    if (count === 0) throw noWebhook();
    await audit(tx, caller, input.enabled ? "webhook.enabled" : "webhook.disabled");
    return { enabled: input.enabled };
  });
}

/** Removes the webhook; alerts not yet sent are not sent (the worker marks them failed). The log stays. */
export async function removeWebhook(caller: CustomerCaller): Promise<{ removed: true }> {
  return db().$transaction(async (tx) => {
    const existing = await tx.webhookEndpoint.findUnique({ where: { organizationId: caller.organizationId }, select: { url: true } });
    if (!existing) throw noWebhook();
    await tx.webhookEndpoint.delete({ where: { organizationId: caller.organizationId } });
    await audit(tx, caller, "webhook.removed", { host: hostOf(existing.url) });
    return { removed: true };
  });
}

/** Raises a "webhook.test" alert through the real path: a notification and a pending delivery the worker sends. */
export async function sendTestAlert(caller: CustomerCaller): Promise<{ notificationId: string; deliveryId: string }> {
  const raised = await db().$transaction(async (tx) => {
    const endpoint = await tx.webhookEndpoint.findUnique({ where: { organizationId: caller.organizationId }, select: { enabled: true } });
    if (!endpoint) throw noWebhook();
    if (!endpoint.enabled) throw new AppError("CONFLICT", "The webhook is disabled: enable it to send a test.");
    const alert = await raiseAlert(tx, {
      organizationId: caller.organizationId,
      kind: "webhook.test",
      severity: "info",
      title: "Test alert",
      body: `A test alert sent by ${caller.email} from the alert settings.`,
      details: { requestedBy: caller.email },
    });
    if (!alert.deliveryId) throw new AppError("CONFLICT", "The webhook changed in the meantime; reload the page and try again.");
    await audit(tx, caller, "webhook.test_sent", { deliveryId: alert.deliveryId });
    return { notificationId: alert.notificationId, deliveryId: alert.deliveryId };
  });
  wakeWebhookWorker();
  return raised;
}
