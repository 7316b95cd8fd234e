"use client";

import { useQuery } from "@tanstack/react-query";
import type { ProvisioningStatusView } from "@/lib/environments/provisioning-status";

async function fetchStatus(environmentId: string): Promise<ProvisioningStatusView> {
  const response = await fetch(`/api/environments/${environmentId}/status`, { cache: "no-store" });
  if (!response.ok) throw new Error(`status ${response.status}`);
  return (await response.json()) as ProvisioningStatusView;
}

/**
 * The environment's live status: one query per environment, shared by everything on the page
 * that shows the status (the header badge, the provisioning card), so they change together.
 * Polled while provisioning.
 */
export function useProvisioningStatus(initial: ProvisioningStatusView) {
  return useQuery({
    queryKey: ["provisioning-status", initial.environmentId],
    queryFn: () => fetchStatus(initial.environmentId),
    initialData: initial,
    refetchInterval: (query) => (query.state.data?.status === "PROVISIONING" ? 1500 : false),
  });
}
