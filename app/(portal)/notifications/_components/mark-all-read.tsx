"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { Button } from "@/components/ui/button";
import { markAllNotificationsReadAction } from "../actions";

/** Marks every notification of the organization as read, then refreshes the page and the header's count. */
export function MarkAllRead({ disabled }: { disabled: boolean }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [message, setMessage] = useState<string>();
  function markAll() {
    startTransition(async () => {
      const result = await markAllNotificationsReadAction({});
      setMessage(result.ok ? (result.data.marked === 1 ? "1 notification marked as read." : `${result.data.marked} notifications marked as read.`) : result.error);
      router.refresh();
    });
  }
  return (
    <div className="flex items-center gap-3">
      <p role="status" className="text-sm text-slate-700">
        {message}
      </p>
      <Button variant="secondary" disabled={disabled || pending} onClick={markAll}>
        {pending ? "Marking…" : "Mark all as read"}
      </Button>
    </div>
  );
}
