import "server-only";
import type { AuditEntry } from "@/lib/audit/record";
import { environmentRefSchema } from "@/lib/environments/schemas";
import { defineUseCase } from "@/lib/pipeline/use-case";
import { customerCheckNow, customerKeyHealth, supportCheckNow, supportKeyHealth, type CheckNowOutcome } from "./for-caller";

/**
 * Key health's use cases, as server actions and route handlers run them (lib/pipeline): the
 * customer's for their own organization's environments, vendor support's for any. The
 * services (./for-caller.ts) scope the environment to the caller before ./service.ts runs.
 */

/** The audit event of a check someone asked for: who, and what the check concluded. */
function checkRequestedEntry(actor: AuditEntry["actor"], ipAddress: string | null, outcome: CheckNowOutcome): AuditEntry {
  return {
    organizationId: outcome.organizationId,
    environmentId: outcome.snapshot.environmentId,
    actor,
    action: "key-health.check-requested",
    ipAddress,
    details: { state: outcome.snapshot.state, rotationOff: outcome.snapshot.rotationOff },
  };
}

export const keyHealthUseCase = defineUseCase({
  name: "key-health.read",
  access: "customer",
  input: environmentRefSchema,
  run: customerKeyHealth,
});

/** A check the customer asked for. The service changes only key health, so the pipeline records the audit event. */
export const checkKeyHealthNowUseCase = defineUseCase({
  name: "key-health.check-now",
  access: "customer",
  input: environmentRefSchema,
  run: customerCheckNow,
  audit: (caller, _input, outcome) => checkRequestedEntry({ type: "user", userId: caller.userId }, caller.ipAddress, outcome),
});

export const supportKeyHealthUseCase = defineUseCase({
  name: "support.key-health.read",
  access: "support",
  input: environmentRefSchema,
  run: supportKeyHealth,
});

export const supportCheckKeyHealthNowUseCase = defineUseCase({
  name: "support.key-health.check-now",
  access: "support",
  input: environmentRefSchema,
  run: supportCheckNow,
  audit: (caller, _input, outcome) => checkRequestedEntry({ type: "support", userId: caller.userId }, caller.ipAddress, outcome),
});
