import type { Metadata } from "next";
import Link from "next/link";
import { Card } from "@/components/ui/card";
import { forPage } from "@/lib/auth/guards";
import { cn } from "@/lib/cn";
import { labelFor, NOTIFICATION_SEVERITY_LABELS } from "@/lib/labels";
import { listNotifications, pageNumberSchema } from "@/lib/notifications/list";
import { MarkAllRead } from "./_components/mark-all-read";

export const metadata: Metadata = { title: "Notifications" };

const severityStyles: Record<string, string> = {
  critical: "bg-red-50 text-red-800 ring-red-300",
  warning: "bg-amber-50 text-amber-900 ring-amber-300",
  info: "bg-blue-50 text-blue-800 ring-blue-300",
};

function utcTime(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export default async function NotificationsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const page = pageNumberSchema.parse((await searchParams).page);
  const notifications = await forPage("customer", (caller) => listNotifications(caller, { page }));
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold">Notifications</h1>
          <p className="mt-1 text-sm text-slate-700">
            {notifications.unread === 0 ? "Nothing unread." : `${notifications.unread} unread.`} Alerts can also go to your own systems:{" "}
            <Link href="/settings/alerts" className="text-blue-700 underline">
              Alert settings
            </Link>
            .
          </p>
        </div>
        <MarkAllRead disabled={notifications.unread === 0} />
      </div>
      {notifications.items.length === 0 ? (
        <Card>
          <p>No notifications yet. When the portal notices a problem with one of your environments&apos; keys, it tells you here.</p>
        </Card>
      ) : (
        <ol className="space-y-3" aria-label="Notifications, newest first">
          {notifications.items.map((notification) => (
            <li key={notification.id}>
              <Card className={cn("space-y-2 p-4", notification.readAt ? "" : "border-l-4 border-l-blue-700")}>
                <div className="flex flex-wrap items-center gap-3">
                  <span className={cn("rounded-full px-2.5 py-0.5 text-xs font-semibold ring-1 ring-inset", severityStyles[notification.severity] ?? severityStyles.info)}>
                    {labelFor(NOTIFICATION_SEVERITY_LABELS, notification.severity)}
                  </span>
                  <h2 className="font-semibold">{notification.title}</h2>
                  {notification.readAt ? null : <span className="text-xs font-semibold text-blue-800">Unread</span>}
                  <time className="ml-auto text-sm text-slate-600" dateTime={notification.createdAt.toISOString()}>
                    {utcTime(notification.createdAt)}
                  </time>
                </div>
                <p className="text-sm text-slate-800">{notification.body}</p>
                {notification.environment ? (
                  <p className="text-sm">
                    Environment:{" "}
                    <Link href={`/environments/${notification.environment.id}`} className="text-blue-700 underline">
                      {notification.environment.name}
                    </Link>
                  </p>
                ) : null}
              </Card>
            </li>
          ))}
        </ol>
      )}
      {notifications.pageCount > 1 ? (
        <nav aria-label="Pages" className="flex items-center justify-between text-sm">
          {notifications.page > 1 ? (
            <Link href={`/notifications?page=${notifications.page - 1}`} className="text-blue-700 underline">
              Newer
            </Link>
          ) : (
            <span />
          )}
          <span>
            Page {notifications.page} of {notifications.pageCount}
          </span>
          {notifications.page < notifications.pageCount ? (
            <Link href={`/notifications?page=${notifications.page + 1}`} className="text-blue-700 underline">
              Older
            </Link>
          ) : (
            <span />
          )}
        </nav>
      ) : null}
    </div>
  );
}
