import "server-only";
import PgBoss from "pg-boss";
import { env } from "@/lib/env";

/**
 * Starts a pg-boss instance on the portal's database (queue schema "pgboss") for one kind of
 * background work, with a pool sized for its concurrency, and hands it to `serve`; if serving
 * cannot start, the instance is stopped again so no connection is left open.
 */
export async function servePgBoss<T>(
  options: { applicationName: string; concurrency: number; log: (line: string) => void },
  serve: (boss: PgBoss) => Promise<T>,
): Promise<T> {
  const boss = new PgBoss({ connectionString: env().databaseUrl, schema: "pgboss", max: options.concurrency + 2, application_name: options.applicationName });
  boss.on("error", (error) => options.log(`queue error: ${error.message}`));
  await boss.start();
  try {
    return await serve(boss);
  } catch (error) {
    await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
    throw error;
  }
}
