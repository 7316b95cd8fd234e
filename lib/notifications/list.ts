import "server-only";
import { z } from "zod";
import type { CustomerCaller } from "@/lib/auth/caller";
import { db } from "@/lib/db";

export const NOTIFICATIONS_PAGE_SIZE = 20;

/** A page number from the query string; anything odd is page 1. */
export const pageNumberSchema = z.coerce.number().int().min(1).max(100_000).catch(1);

/** How many of the caller's organization's notifications nobody has marked as read. */
export async function unreadNotificationCount(caller: CustomerCaller): Promise<number> {
  return db().notification.count({ where: { organizationId: caller.organizationId, readAt: null } });
}

/** One page of the caller's organization's notifications, newest first, with the environment each is about. */
export async function listNotifications(caller: CustomerCaller, options: { page: number }) {
  const where = { organizationId: caller.organizationId };
  const [total, unread] = await Promise.all([db().notification.count({ where }), unreadNotificationCount(caller)]);
  const pageCount = Math.max(1, Math.ceil(total / NOTIFICATIONS_PAGE_SIZE));
  const page = Math.min(options.page, pageCount);
  const items = await db().notification.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    skip: (page - 1) * NOTIFICATIONS_PAGE_SIZE,
    take: NOTIFICATIONS_PAGE_SIZE,
    select: {
      id: true,
      kind: true,
      severity: true,
      title: true,
      body: true,
      createdAt: true,
      readAt: true,
      environment: { select: { id: true, name: true } },
    },
  });
  return { items, page, pageCount, total, unread };
}
export type NotificationsPage = Awaited<ReturnType<typeof listNotifications>>;
