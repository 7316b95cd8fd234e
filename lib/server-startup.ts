import "server-only";
import { ConfigError, env } from "./env";
import { ensureProvisioningWorker } from "./provisioning/worker";

/**
 * Node.js server start-up: parse the configuration (a bad value stops the server at once)
 * and start the durable provisioning worker, which also resumes any attempt a previous
 * process left unfinished.
 */
export async function startServer(): Promise<void> {
  try {
    env();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  if (process.env.PROVISIONING_WORKER === "off") return;
  // One worker per process, kept across dev reloads.
  const worker = await ensureProvisioningWorker();
  const stop = () => {
    void worker.stop().finally(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
