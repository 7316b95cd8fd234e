import "server-only";
import type { Access } from "@/lib/auth/access";
import { requestCaller, requestIpAddress } from "@/lib/auth/request";
import { publicError, type PublicError } from "@/lib/errors";
import { runUseCase, type UseCase } from "./use-case";

export type Outcome<I, O> = { ok: true; input: I; output: O } | { ok: false; error: PublicError };

/** Maps any thrown value through the error table; only server faults are logged (with the detail the browser never sees). */
export function failureOf(useCaseName: string, error: unknown): PublicError {
  const shown = publicError(error);
  if (shown.status >= 500) console.error(`${useCaseName} failed`, error);
  return shown;
}

/**
 * Runs a use case for the current request: resolves the caller (once per request; public use
 * cases do without one) and maps every failure. Shared by the action and route adapters.
 */
export async function runForRequest<A extends Access, I, O>(useCase: UseCase<A, I, O>, rawInput: unknown): Promise<Outcome<I, O>> {
  try {
    const caller = useCase.access === "public" ? null : await requestCaller();
    const { input, output } = await runUseCase(useCase, { caller, ipAddress: await requestIpAddress() }, rawInput);
    return { ok: true, input, output };
  } catch (error) {
    return { ok: false, error: failureOf(useCase.name, error) };
  }
}
