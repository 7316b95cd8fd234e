"use client";

import { StatusBadge } from "@/components/status-badge";
import type { ProvisioningStatusView } from "@/lib/environments/provisioning-status";
import { useProvisioningStatus } from "./use-provisioning-status";

/** The page header's status badge, from the same live query as the provisioning card. */
export function LiveStatusBadge({ initial }: { initial: ProvisioningStatusView }) {
  const { data } = useProvisioningStatus(initial);
  return <StatusBadge status={data.status} />;
}
