import "server-only";
import type { CustomerCaller, SupportCaller } from "@/lib/auth/caller";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { environmentIdOf, getEnvironment } from "@/lib/environments/get-environment";
import type { EnvironmentRef } from "@/lib/environments/schemas";
import { keyCommandsFor } from "@/lib/policy-check/commands";
import { BUCKET_PURPOSES } from "@/lib/provisioning/names";
import { CANARY_PURPOSE } from "./check";
import type { KeyHealthSnapshot, KeyKind } from "./findings";
import { readKeyHealth, requestCheckNow } from "./service";

/**
 * Key health for a caller (F9): the customer for their own organization's environments,
 * vendor support for any. The service (./service.ts) checks no caller: every function here
 * scopes the environment first, so another tenant's id is NOT_FOUND like a missing one. The
 * environment id travels as a string and environmentIdOf refuses anything but a UUID as
 * NOT_FOUND (lib/environments/schemas.ts explains why).
 */

/** The commands the Key health region shows for one of the environment's keys (lib/byok/commands.ts). */
export interface KeyHealthKeyCommands {
  enable: string;
  cancelDeletion: string;
  getPolicy: string;
  enableRotation: string;
  cloudTrailLookup: string;
}

/** One of the environment's keys as the Key health region gets it from the page. */
export interface KeyHealthKey {
  kind: KeyKind;
  keyArn: string;
  commands: KeyHealthKeyCommands;
}

/** The encryption context the platform sends with its S3 uses of the customer's key, as the region explains it. */
export interface KeyHealthEncryptionContext {
  tenant: string;
  purposes: string[];
}

/** What a check-now returns: the new snapshot, and the organization the audit event belongs to. */
export interface CheckNowOutcome {
  organizationId: string;
  snapshot: KeyHealthSnapshot;
}

/** The environment's key health for the customer's page and its polling; null before the first row exists. */
export async function customerKeyHealth(caller: CustomerCaller, input: EnvironmentRef): Promise<KeyHealthSnapshot | null> {
  const environment = await getEnvironment(caller, input);
  return readKeyHealth(environment.id);
}

/** Any environment's key health, for vendor support. */
export async function supportKeyHealth(_caller: SupportCaller, input: EnvironmentRef): Promise<KeyHealthSnapshot | null> {
  const environment = await supportEnvironment(input);
  return readKeyHealth(environment.id);
}

/**
 * What the Key health region needs beside the snapshot, for an environment the page has already
 * loaded for its caller (getEnvironment or getSupportEnvironment): each key with its fix
 * commands, and the encryption context the platform sends with the key (tenant: the
 * organization's slug, as lib/provisioning/object-storage.ts and ./check.ts send it).
 */
export async function keyHealthRegion(environment: { id: string; organizationId: string; region: string; s3KeyArn: string | null; rdsKeyArn: string | null }): Promise<{
  snapshot: KeyHealthSnapshot | null;
  encryptionContext: KeyHealthEncryptionContext;
  keys: KeyHealthKey[];
}> {
  const [snapshot, organization] = await Promise.all([
    readKeyHealth(environment.id),
    db().organization.findUnique({ where: { id: environment.organizationId }, select: { slug: true } }),
  ]);
  const keyOf = (kind: KeyKind, keyArn: string | null): KeyHealthKey[] => {
    if (!keyArn) return [];
    const commands = keyCommandsFor(keyArn, environment.region);
    return [
      {
        kind,
        keyArn,
        commands: {
          enable: commands.enable,
          cancelDeletion: commands.cancelDeletion,
          getPolicy: commands.getPolicy(),
          enableRotation: commands.enableRotation,
          cloudTrailLookup: commands.cloudTrailLookup,
        },
      },
    ];
  };
  return {
    snapshot,
    encryptionContext: {
      tenant: organization?.slug ?? "",
      // lib/provisioning/object-storage.ts markerEncryptionContext, and the check's canary (./check.ts).
      purposes: [...BUCKET_PURPOSES.map((purpose) => `${purpose}-bucket-marker`), CANARY_PURPOSE],
    },
    keys: [...keyOf("s3", environment.s3KeyArn), ...keyOf("rds", environment.rdsKeyArn)],
  };
}

async function supportEnvironment(input: EnvironmentRef) {
  const environment = await db().environment.findUnique({
    where: { id: environmentIdOf(input) },
    select: { id: true, organizationId: true, status: true, encryptionMode: true },
  });
  if (!environment) throw new AppError("NOT_FOUND");
  return environment;
}

/** Only a Ready environment on the customer's own keys has key health to check. */
function requireCheckable(environment: { status: string; encryptionMode: string }): void {
  if (environment.encryptionMode !== "CUSTOMER_MANAGED") {
    throw new AppError("CONFLICT", "This environment uses vendor-managed keys: there are no customer keys to check.");
  }
  if (environment.status !== "READY") {
    throw new AppError("CONFLICT", "Key health is checked once the environment is ready. Wait for provisioning to finish, then try again.");
  }
}

/** "Check now" at most once a minute per environment, whoever asks: the refusal says how long to wait. */
export function checkedRecentlyMessage(retryAfterSeconds: number): string {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return `Checked less than a minute ago. Try again in ${seconds} ${seconds === 1 ? "second" : "seconds"}.`;
}

async function checkNow(
  environment: { id: string; organizationId: string; status: string; encryptionMode: string },
  cause: "check-now" | "support-check-now",
): Promise<CheckNowOutcome> {
  requireCheckable(environment);
  const result = await requestCheckNow(environment.id, cause);
  if ("rateLimited" in result) throw new AppError("RATE_LIMITED", checkedRecentlyMessage(result.retryAfterSeconds));
  return { organizationId: environment.organizationId, snapshot: result };
}

export async function customerCheckNow(caller: CustomerCaller, input: EnvironmentRef): Promise<CheckNowOutcome> {
  return checkNow(await getEnvironment(caller, input), "check-now");
}

export async function supportCheckNow(_caller: SupportCaller, input: EnvironmentRef): Promise<CheckNowOutcome> {
  return checkNow(await supportEnvironment(input), "support-check-now");
}
