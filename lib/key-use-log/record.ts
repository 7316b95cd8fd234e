import "server-only";
import { db, type PrismaClient } from "@/lib/db";

/**
 * Records the platform's uses of a customer key for forwarding to the customer's log group
 * (./forwarder.ts sends them). Provisioning and the key-health checks call this on their way:
 * it is one INSERT, only for environments with a log group, and it never throws — a failure
 * costs an event in the customer's log, never a step or a check.
 */

export interface KeyUseEnvironment {
  id: string;
  organizationId: string;
  logGroupArn: string | null;
}

export interface KeyUse {
  occurredAt: Date;
  /** The KMS action as CloudTrail names it (GenerateDataKey, Decrypt, DescribeKey …) or the S3/RDS call that used the key. */
  action: string;
  keyArn: string;
  encryptionContext: Record<string, string>;
  requestId: string | null;
  /** "success", or the AWS error code. */
  outcome: string;
}

/** What the recorder needs of a Prisma client: the portal's, or the provisioning worker's own pool. */
export type KeyUseRecorderClient = Pick<PrismaClient, "keyUseEvent">;

const MAX_FIELD_LENGTH = 2_048;
const clip = (text: string) => (text.length > MAX_FIELD_LENGTH ? text.slice(0, MAX_FIELD_LENGTH) : text);

function row(environment: KeyUseEnvironment, event: KeyUse) {
  return {
    environmentId: environment.id,
    organizationId: environment.organizationId,
    occurredAt: event.occurredAt,
    action: clip(event.action),
    keyArn: clip(event.keyArn),
    encryptionContext: Object.fromEntries(Object.entries(event.encryptionContext).map(([key, value]) => [clip(key), clip(value)])),
    requestId: event.requestId === null ? null : clip(event.requestId),
    outcome: clip(event.outcome),
  };
}

/** Records several uses of one environment's keys in one INSERT; never throws. */
export async function recordKeyUses(environment: KeyUseEnvironment, events: readonly KeyUse[], client?: KeyUseRecorderClient): Promise<void> {
  if (environment.logGroupArn === null || events.length === 0) return;
  try {
    await (client ?? db()).keyUseEvent.createMany({ data: events.map((event) => row(environment, event)) });
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n").find((line) => line.trim() !== "") : String(error);
    console.error(`[key-use-log] could not record ${events.length} key use(s) of environment ${environment.id}: ${reason ?? "unknown error"}`);
  }
}

/** Records one use of an environment's key; never throws. */
export function recordKeyUse(environment: KeyUseEnvironment, event: KeyUse, client?: KeyUseRecorderClient): Promise<void> {
  return recordKeyUses(environment, [event], client);
}
