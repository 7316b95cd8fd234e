import "server-only";
import type { CustomerCaller } from "@/lib/auth/caller";
import { db } from "@/lib/db";
import { getEnvironment } from "@/lib/environments/get-environment";

/** What the environment page shows of key-use log forwarding; dates as ISO strings (it crosses to the browser as is). */
export interface LogForwardingStatus {
  environmentId: string;
  /** Null when the customer has not set up forwarding. */
  logGroupArn: string | null;
  logRoleArn: string | null;
  lastDeliveredAt: string | null;
  lastDeliveredCount: number;
  /** Key uses recorded and not yet in the customer's log group. */
  pendingCount: number;
  lastError: string | null;
  lastErrorAt: string | null;
  /** Failed attempts in a row. */
  failures: number;
  nextAttemptAt: string | null;
}

/** Key-use log forwarding of one of the caller's organization's environments (NOT_FOUND otherwise). */
export async function readLogForwarding(caller: CustomerCaller, environmentId: string): Promise<LogForwardingStatus> {
  const environment = await getEnvironment(caller, { environmentId });
  const [forwarding, pendingCount] = await Promise.all([
    db().logForwarding.findUnique({ where: { environmentId: environment.id } }),
    db().keyUseEvent.count({ where: { environmentId: environment.id, deliveredAt: null } }),
  ]);
  const iso = (date: Date | null | undefined) => date?.toISOString() ?? null;
  return {
    environmentId: environment.id,
    logGroupArn: environment.logGroupArn,
    logRoleArn: environment.logRoleArn,
    lastDeliveredAt: iso(forwarding?.lastDeliveredAt),
    lastDeliveredCount: forwarding?.lastDeliveredCount ?? 0,
    pendingCount,
    lastError: forwarding?.lastError ?? null,
    lastErrorAt: iso(forwarding?.lastErrorAt),
    failures: forwarding?.failures ?? 0,
    nextAttemptAt: iso(forwarding?.nextAttemptAt),
  };
}
