import "server-only";
import { createHash } from "node:crypto";
import type { PrismaClient } from "@/generated/prisma/client";

/**
 * Sign-in throttling, per account and per client address, kept in PostgreSQL
 * (`sign_in_throttle`) so every portal process counts the same failures.
 *
 * Each attempt is counted as a failure *before* the password is checked (a row lock
 * serializes concurrent attempts, so a burst of parallel guesses cannot slip past the limit),
 * and given back when it succeeds. Once a key has `freeFailures` failures it is blocked for
 * one minute, doubling with every further failure up to an hour; a key is forgotten a day
 * after its last failure. Unknown and known e-mail addresses are throttled alike, so the
 * throttle says nothing about which accounts exist.
 */

export interface ThrottlePolicy {
  /** Failures allowed before the first block. */
  freeFailures: number;
}

export const ACCOUNT_POLICY: ThrottlePolicy = { freeFailures: 5 };
/** Higher: one office behind one NAT address shares it. */
export const ADDRESS_POLICY: ThrottlePolicy = { freeFailures: 20 };

const FIRST_BLOCK_MS = 60_000;
const LONGEST_BLOCK_MS = 60 * 60_000;
const FORGET_AFTER_MS = 24 * 60 * 60_000;

/** The block after `failures` failures: none below the policy's free failures, then 1, 2, 4 … 60 minutes. */
export function blockDuration(failures: number, policy: ThrottlePolicy): number {
  if (failures < policy.freeFailures) return 0;
  return Math.min(FIRST_BLOCK_MS * 2 ** Math.min(failures - policy.freeFailures, 20), LONGEST_BLOCK_MS);
}

interface ThrottleKey {
  key: string;
  policy: ThrottlePolicy;
}

/**
 * The keys one attempt counts against. The e-mail is hashed: attempts often hold typos or
 * passwords typed in the wrong field. Without a client address (the server could not tell it)
 * only the account counts: one shared "unknown" bucket would let anyone lock everyone out.
 */
export function throttleKeys(email: string, clientAddress: string | null): ThrottleKey[] {
  const account = createHash("sha256").update(email.trim().toLowerCase()).digest("hex");
  return [
    { key: `account:${account}`, policy: ACCOUNT_POLICY },
    ...(clientAddress ? [{ key: `address:${clientAddress}`, policy: ADDRESS_POLICY }] : []),
  ];
}

export type Reservation = { allowed: true } | { allowed: false; retryAfterMs: number };

interface Row {
  failures: number;
  lastFailureAt: Date;
  blockedUntil: Date | null;
}

export interface SignInThrottle {
  /** Counts an attempt against its keys, or refuses it while any key is blocked (counting nothing). */
  reserve(email: string, clientAddress: string | null): Promise<Reservation>;
  /** The password was right: the account starts afresh and the address gets its attempt back. */
  succeeded(email: string, clientAddress: string | null): Promise<void>;
}

export function createSignInThrottle(database: () => PrismaClient, now: () => Date = () => new Date()): SignInThrottle {
  return {
    async reserve(email, clientAddress) {
      const at = now();
      const keys = throttleKeys(email, clientAddress).sort((a, b) => a.key.localeCompare(b.key));
      return database().$transaction(async (tx) => {
        const rows = new Map<string, Row>();
        for (const { key } of keys) {
          await tx.$executeRaw`INSERT INTO sign_in_throttle (key, failures, "lastFailureAt") VALUES (${key}, 0, ${at}) ON CONFLICT (key) DO NOTHING`;
          const [row] = await tx.$queryRaw<Row[]>`SELECT failures, "lastFailureAt", "blockedUntil" FROM sign_in_throttle WHERE key = ${key} FOR UPDATE`;
          if (row) rows.set(key, row);
        }
        let retryAfterMs = 0;
        for (const row of rows.values()) {
          if (row.blockedUntil && row.blockedUntil > at) retryAfterMs = Math.max(retryAfterMs, row.blockedUntil.getTime() - at.getTime());
        }
        if (retryAfterMs > 0) return { allowed: false, retryAfterMs };
        for (const { key, policy } of keys) {
          const row = rows.get(key);
          const forgotten = !row || at.getTime() - row.lastFailureAt.getTime() > FORGET_AFTER_MS;
          const failures = (forgotten ? 0 : row.failures) + 1;
          const block = blockDuration(failures, policy);
          const blockedUntil = block > 0 ? new Date(at.getTime() + block) : null;
          await tx.$executeRaw`UPDATE sign_in_throttle SET failures = ${failures}, "lastFailureAt" = ${at}, "blockedUntil" = ${blockedUntil} WHERE key = ${key}`;
        }
        return { allowed: true };
      });
    },

    async succeeded(email, clientAddress) {
      const [account, address] = throttleKeys(email, clientAddress);
      if (!account) return;
      await database().$transaction(async (tx) => {
        await tx.$executeRaw`DELETE FROM sign_in_throttle WHERE key = ${account.key}`;
        if (!address) return;
        const [row] = await tx.$queryRaw<Row[]>`SELECT failures, "lastFailureAt", "blockedUntil" FROM sign_in_throttle WHERE key = ${address.key} FOR UPDATE`;
        if (!row) return;
        const failures = Math.max(row.failures - 1, 0);
        // The block this attempt's own count set is lifted; one earned by other failures stays.
        const blockedUntil = blockDuration(failures, address.policy) > 0 ? row.blockedUntil : null;
        await tx.$executeRaw`UPDATE sign_in_throttle SET failures = ${failures}, "blockedUntil" = ${blockedUntil} WHERE key = ${address.key}`;
      });
      // Housekeeping: rows of keys that have been quiet for a day.
      const cutoff = new Date(now().getTime() - FORGET_AFTER_MS);
      await database().$executeRaw`DELETE FROM sign_in_throttle WHERE key IN (SELECT key FROM sign_in_throttle WHERE "lastFailureAt" < ${cutoff} LIMIT 100)`;
    },
  };
}

/** "1 minute", "3 minutes": whole minutes, rounded up, never 0. */
export function minutesToWait(retryAfterMs: number): string {
  const minutes = Math.max(1, Math.ceil(retryAfterMs / 60_000));
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}

export function throttledMessage(retryAfterMs: number): string {
  return `Too many sign-in attempts. Try again in ${minutesToWait(retryAfterMs)}.`;
}
