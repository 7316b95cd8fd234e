import "server-only";
import type { z } from "zod";
import { authorize, type Access, type CallerFor } from "@/lib/auth/access";
import type { Caller } from "@/lib/auth/caller";
import { recordAudit, type AuditEntry } from "@/lib/audit/record";
import { db } from "@/lib/db";
import { AppError, type FieldErrors } from "@/lib/errors";
import { controlCharacterProblems } from "@/lib/security/input-rules";

/**
 * A use case as every entry point runs it: who may run it, the zod schema its raw input must
 * pass, the service that does the work, and (for use cases that change nothing in the database,
 * such as a download) the audit event to record. Changes record their own audit event inside
 * the service's transaction, so the two commit together.
 *
 * runUseCase is the pipeline's core and knows nothing of Next: the adapters in ./action.ts and
 * ./route.ts resolve the caller from the request, call it, and turn the outcome into an action
 * result or an HTTP response through the one error table (lib/errors.ts).
 */
export interface UseCase<A extends Access, I, O> {
  /** Dotted name, used in logs and by the rate limiter, e.g. "environment.submit". */
  readonly name: string;
  readonly access: A;
  /** The schema of the raw input; a function when it depends on the configuration. */
  readonly input: z.ZodType<I> | (() => z.ZodType<I>);
  readonly run: (caller: CallerFor<A>, input: I) => Promise<O>;
  readonly audit?: (caller: CallerFor<A>, input: I, output: O) => AuditEntry | null;
}

export function defineUseCase<A extends Access, I, O>(useCase: UseCase<A, I, O>): UseCase<A, I, O> {
  return useCase;
}

/** What the pipeline knows about the request: the resolved caller (null if none or not needed) and the client address. */
export interface Invocation {
  caller: Caller | null;
  ipAddress: string | null;
}

/** The hook a rate limiter plugs into: throw AppError("RATE_LIMITED") to refuse the call. */
export interface RateLimiter {
  check(request: { useCase: string; userId: string | null; ipAddress: string | null }): Promise<void>;
}

const allowEverything: RateLimiter = { check: async () => undefined };
const limiterHolder = globalThis as unknown as { __portalRateLimiter?: RateLimiter };

/** Installs the process's rate limiter (none by default). */
export function setRateLimiter(limiter: RateLimiter | null): void {
  limiterHolder.__portalRateLimiter = limiter ?? allowEverything;
}

/** Refuses a raw input holding a control character anywhere (lib/security/input-rules.ts), naming the field. */
export function refuseControlCharacters(rawInput: unknown): void {
  const problems = controlCharacterProblems(rawInput);
  const [first] = problems;
  if (!first) return;
  const fieldErrors: FieldErrors = {};
  for (const problem of problems) (fieldErrors[problem.field || "input"] ??= []).push(problem.message);
  throw new AppError("VALIDATION", first.message, { fieldErrors });
}

/**
 * authorize → rate-limit → input rules → parse → run → audit. Authorization comes before parsing so that a
 * caller who may not run the use case learns nothing about its input rules (the support
 * console answers 404 to everyone else, whatever they send). Throws AppError, ZodError or
 * whatever the service threw; the adapters map it.
 */
export async function runUseCase<A extends Access, I, O>(
  useCase: UseCase<A, I, O>,
  invocation: Invocation,
  rawInput: unknown,
): Promise<{ input: I; output: O }> {
  const caller = authorize(useCase.access, invocation.caller);
  await (limiterHolder.__portalRateLimiter ?? allowEverything).check({
    useCase: useCase.name,
    userId: invocation.caller?.userId ?? null,
    ipAddress: invocation.ipAddress,
  });
  refuseControlCharacters(rawInput);
  const schema = typeof useCase.input === "function" ? useCase.input() : useCase.input;
  const input = await schema.parseAsync(rawInput);
  const output = await useCase.run(caller, input);
  const entry = useCase.audit?.(caller, input, output);
  if (entry) await recordAudit(db(), entry);
  return { input, output };
}
