import "server-only";
import { z } from "zod";
import type { CustomerCaller } from "@/lib/auth/caller";
import { recordAudit } from "@/lib/audit/record";
import { db } from "@/lib/db";
import { defineUseCase } from "@/lib/pipeline/use-case";

/** Marks every unread notification of the caller's organization as read; returns how many. */
export async function markAllNotificationsRead(caller: CustomerCaller): Promise<{ marked: number }> {
  return db().$transaction(async (tx) => {
    const { count } = await tx.notification.updateMany({
      where: { organizationId: caller.organizationId, readAt: null },
      data: { readAt: new Date() },
    });
    await recordAudit(tx, {
      organizationId: caller.organizationId,
      actor: { type: "user", userId: caller.userId },
      action: "notifications.marked_read",
      ipAddress: caller.ipAddress,
      details: { count },
    });
    return { marked: count };
  });
}

export const markAllNotificationsReadUseCase = defineUseCase({
  name: "notifications.mark-all-read",
  access: "customer",
  input: z.object({}),
  run: (caller) => markAllNotificationsRead(caller),
});
