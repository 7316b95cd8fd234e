import "server-only";
import type { Access } from "@/lib/auth/access";
import type { PublicError } from "@/lib/errors";
import { failureOf, runForRequest } from "./request";
import type { UseCase } from "./use-case";

export interface RouteOptions<P, I, O> {
  /** The raw input from the request (default: the route's params). */
  input?: (request: Request, params: P) => unknown;
  /** The response for a success. Failures become `{ error, fieldErrors }` with the error table's status. */
  respond: (output: O, input: I) => Response;
}

/** A route handler (GET, POST, …) that runs one use case through the pipeline. */
export function routeHandler<P extends Record<string, string | string[]>, A extends Access, I, O>(
  useCase: UseCase<A, I, O>,
  options: RouteOptions<P, I, O>,
): (request: Request, context: { params?: Promise<P> }) => Promise<Response> {
  return async (request, context) => {
    // Next passes no params to a route without dynamic segments.
    const params = (await context.params) ?? ({} as P);
    const outcome = await runForRequest(useCase, options.input ? options.input(request, params) : params);
    if (!outcome.ok) return errorResponse(outcome.error);
    try {
      return options.respond(outcome.output, outcome.input);
    } catch (error) {
      return errorResponse(failureOf(useCase.name, error));
    }
  };
}

function errorResponse(failure: PublicError): Response {
  return Response.json(
    { error: failure.message, ...(Object.keys(failure.fieldErrors).length ? { fieldErrors: failure.fieldErrors } : {}) },
    { status: failure.status, headers: { "Cache-Control": "no-store" } },
  );
}
