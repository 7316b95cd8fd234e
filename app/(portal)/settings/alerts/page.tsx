import type { Metadata } from "next";
import Link from "next/link";
import { Card } from "@/components/ui/card";
import { TableHead } from "@/components/ui/table";
import { forPage } from "@/lib/auth/guards";
import { env } from "@/lib/env";
import { labelFor, WEBHOOK_DELIVERY_RETRYING_LABEL, WEBHOOK_DELIVERY_STATUS_LABELS, WEBHOOK_EVENT_LABELS } from "@/lib/labels";
import { pageNumberSchema } from "@/lib/notifications/list";
import { getWebhookSettings, listWebhookDeliveries } from "@/lib/webhooks/settings";
import { AlertSettings } from "./_components/alert-settings";
import { RefreshWhilePending } from "./_components/refresh-while-pending";

export const metadata: Metadata = { title: "Alert settings" };

function utcTime(date: Date | null): string {
  return date ? `${date.toISOString().slice(0, 19).replace("T", " ")} UTC` : "—";
}

export default async function AlertSettingsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const page = pageNumberSchema.parse((await searchParams).page);
  const { webhook, deliveries } = await forPage("customer", async (caller) => ({
    webhook: await getWebhookSettings(caller),
    deliveries: await listWebhookDeliveries(caller, { page }),
  }));
  const anyPending = deliveries.items.some((delivery) => delivery.status === "pending");
  return (
    <div className="space-y-6">
      <div>
        <p className="text-sm">
          <Link href="/notifications" className="text-blue-700 underline">
            Notifications
          </Link>
        </p>
        <h1 className="text-2xl font-semibold">Alert settings</h1>
        <p className="mt-1 max-w-3xl text-slate-700">
          Besides the Notifications list, the portal can send each alert to your own systems: a signed HTTPS POST of JSON to a
          webhook you choose. Each request carries <code className="font-mono text-sm">X-Byok-Signature: t=…,v1=…</code>, the
          hex HMAC-SHA256 of <code className="font-mono text-sm">&lt;t&gt;.&lt;body&gt;</code> keyed with your signing secret;
          refuse requests whose timestamp is more than five minutes old. Failed deliveries are retried with growing waits for
          about four hours.
        </p>
      </div>
      <Card>
        <h2 className="mb-4 text-lg font-semibold">Webhook</h2>
        <AlertSettings webhook={webhook ? { url: webhook.url, enabled: webhook.enabled } : null} allowLoopbackHttp={env().webhookAllowLoopbackHttp} />
      </Card>
      <Card className="p-0">
        <h2 id="delivery-log-heading" className="px-4 pt-4 text-lg font-semibold">
          Delivery log
        </h2>
        <RefreshWhilePending pending={anyPending} />
        {deliveries.items.length === 0 ? (
          <p className="px-4 pb-4 pt-2 text-sm text-slate-700">Nothing sent yet.</p>
        ) : (
          <div className="overflow-x-auto" tabIndex={0} role="group" aria-label="Delivery log table">
            <table className="mt-2 w-full text-left text-sm" aria-labelledby="delivery-log-heading">
            <TableHead columns={["Event", "Time", "Status", "Tries", "Last HTTP status", "Last error"]} className="border-b border-slate-200" />
            <tbody>
              {deliveries.items.map((delivery) => (
                <tr key={delivery.id} className="border-b border-slate-100 last:border-0">
                  <td className="px-4 py-3">{labelFor(WEBHOOK_EVENT_LABELS, delivery.event)}</td>
                  <td className="px-4 py-3">
                    <time dateTime={delivery.createdAt.toISOString()}>{utcTime(delivery.createdAt)}</time>
                  </td>
                  <td className="px-4 py-3">
                    {delivery.status === "pending" && delivery.attempts > 0 ? WEBHOOK_DELIVERY_RETRYING_LABEL : labelFor(WEBHOOK_DELIVERY_STATUS_LABELS, delivery.status)}
                    {delivery.status === "pending" && delivery.attempts > 0 && delivery.nextAttemptAt ? (
                      <div className="text-xs text-slate-600">next try {utcTime(delivery.nextAttemptAt)}</div>
                    ) : null}
                  </td>
                  <td className="px-4 py-3">{delivery.attempts}</td>
                  <td className="px-4 py-3 font-mono">{delivery.lastStatusCode ?? "—"}</td>
                  <td className="px-4 py-3">{delivery.lastError ?? "—"}</td>
                </tr>
              ))}
            </tbody>
            </table>
          </div>
        )}
        {deliveries.pageCount > 1 ? (
          <nav aria-label="Delivery log pages" className="flex items-center justify-between px-4 py-3 text-sm">
            {deliveries.page > 1 ? (
              <Link href={`/settings/alerts?page=${deliveries.page - 1}`} className="text-blue-700 underline">
                Newer
              </Link>
            ) : (
              <span />
            )}
            <span>
              Page {deliveries.page} of {deliveries.pageCount}
            </span>
            {deliveries.page < deliveries.pageCount ? (
              <Link href={`/settings/alerts?page=${deliveries.page + 1}`} className="text-blue-700 underline">
                Older
              </Link>
            ) : (
              <span />
            )}
          </nav>
        ) : null}
      </Card>
    </div>
  );
}
