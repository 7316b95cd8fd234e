import "server-only";
import type { Prisma } from "@/generated/prisma/client";

/**
 * Raising an alert for an organization: a notification (the header's Notifications list) and,
 * when the organization has an enabled webhook, a pending delivery row. Pass the transaction of
 * the change the alert is about so both commit together. The pending row is the durable truth:
 * the webhook worker (lib/webhooks) sends it, retries it with backoff and logs every try; it
 * finds pending rows on its own, so nothing here talks to the network.
 */

export type AlertSeverity = "critical" | "warning" | "info";

export interface Alert {
  organizationId: string;
  environmentId?: string | null;
  /** "key-health.degraded" | "key-health.recovered" | "webhook.test" */
  kind: string;
  severity: AlertSeverity;
  title: string;
  body: string;
  /** Sent as is in the webhook payload's `data`; never secrets. */
  details?: Prisma.InputJsonObject;
}

/** The JSON body every webhook delivery carries (signed as sent; see lib/webhooks). */
export interface AlertPayload {
  id: string;
  type: string;
  severity: AlertSeverity;
  title: string;
  body: string;
  organizationId: string;
  environmentId: string | null;
  createdAt: string;
  data: Prisma.InputJsonObject;
}

export async function raiseAlert(tx: Prisma.TransactionClient, alert: Alert): Promise<{ notificationId: string; deliveryId: string | null }> {
  const notification = await tx.notification.create({
    data: {
      organizationId: alert.organizationId,
      environmentId: alert.environmentId ?? null,
      kind: alert.kind,
      severity: alert.severity,
      title: alert.title,
      body: alert.body,
      details: alert.details ?? {},
    },
    select: { id: true, createdAt: true },
  });
  const endpoint = await tx.webhookEndpoint.findUnique({ where: { organizationId: alert.organizationId }, select: { url: true, enabled: true } });
  if (!endpoint?.enabled) return { notificationId: notification.id, deliveryId: null };
  const payload: AlertPayload = {
    id: notification.id,
    type: alert.kind,
    severity: alert.severity,
    title: alert.title,
    body: alert.body,
    organizationId: alert.organizationId,
    environmentId: alert.environmentId ?? null,
    createdAt: notification.createdAt.toISOString(),
    data: alert.details ?? {},
  };
  const delivery = await tx.webhookDelivery.create({
    data: {
      organizationId: alert.organizationId,
      notificationId: notification.id,
      event: alert.kind,
      url: endpoint.url,
      payload: payload as unknown as Prisma.InputJsonObject,
    },
    select: { id: true },
  });
  return { notificationId: notification.id, deliveryId: delivery.id };
}
