import { z } from "zod";

/** What a step stores of its latest temporary failure (provisioning_step.lastRetry). */
export const lastRetrySchema = z.object({
  operation: z.string(),
  service: z.string().nullable(),
  code: z.string(),
  message: z.string(),
  requestId: z.string().nullable(),
  /** When it happened. */
  at: z.string(),
  /** When the failures in a row began: the retry budget counts from here. */
  since: z.string(),
});
export type LastRetry = z.infer<typeof lastRetrySchema>;

/** A step's retries as the customer's page and the support console show them. */
export interface StepRetryView {
  /** True while the step waits to try again ("Retrying"). */
  waiting: boolean;
  count: number;
  nextTryAt: string | null;
  operation: string | null;
  service: string | null;
  code: string | null;
  message: string | null;
  requestId: string | null;
}

export function stepRetryView(step: { status: string; retryCount: number; retryAt: Date | null; lastRetry: unknown }): StepRetryView | null {
  if (step.retryCount === 0) return null;
  const last = lastRetrySchema.safeParse(step.lastRetry);
  const waiting = step.status === "RUNNING" && step.retryAt !== null;
  return {
    waiting,
    count: step.retryCount,
    nextTryAt: waiting && step.retryAt ? step.retryAt.toISOString() : null,
    operation: last.success ? last.data.operation : null,
    service: last.success ? last.data.service : null,
    code: last.success ? last.data.code : null,
    message: last.success ? last.data.message : null,
    requestId: last.success ? last.data.requestId : null,
  };
}
