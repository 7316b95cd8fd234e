import "server-only";
import { z } from "zod";
import { db } from "@/lib/db";
import { defineUseCase } from "@/lib/pipeline/use-case";

export interface HealthReport {
  status: "ok" | "degraded";
  database: { status: "up"; latencyMs: number } | { status: "down" };
}

/** Liveness and database reachability, for load balancers and the demo scripts. */
export async function checkHealth(): Promise<HealthReport> {
  const started = performance.now();
  try {
    await db().$queryRaw`SELECT 1`;
    return { status: "ok", database: { status: "up", latencyMs: Math.round(performance.now() - started) } };
  } catch (error) {
    console.error("health check: database unreachable", error);
    return { status: "degraded", database: { status: "down" } };
  }
}

export const healthUseCase = defineUseCase({
  name: "health",
  access: "public",
  input: z.object({}),
  run: () => checkHealth(),
});
