"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";

/** While a delivery is still being sent, re-reads the page every few seconds so the log shows its outcome. */
export function RefreshWhilePending({ pending }: { pending: boolean }) {
  const router = useRouter();
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(() => router.refresh(), 2_000);
    return () => clearInterval(timer);
  }, [pending, router]);
  return null;
}
