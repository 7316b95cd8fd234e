"use server";

import { markAllNotificationsReadUseCase } from "@/lib/notifications/use-cases";
import { serverAction } from "@/lib/pipeline/action";

export const markAllNotificationsReadAction = serverAction(markAllNotificationsReadUseCase, {
  revalidate: () => "/notifications",
  data: (result) => result,
});
