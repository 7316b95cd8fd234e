import "server-only";
import { ConfigError, env } from "./env";
import { ensureKeyHealthScheduler } from "./key-health/scheduler";
import { ensureKeyUseLogForwarder } from "./key-use-log/forwarder";
import { ensureProvisioningWorker } from "./provisioning/worker";
import { ensureWebhookWorker } from "./webhooks/worker";

/**
 * Node.js server start-up: parse the configuration (a bad value stops the server at once),
 * start the durable provisioning worker, which also resumes any attempt a previous process
 * left unfinished, the periodic key-health checks, the alert webhooks' deliveries and the
 * forwarding of key-use events to customers' log groups.
 * PROVISIONING_WORKER=off turns every background job off (a web-only process);
 * KEY_HEALTH_CHECKS=off turns off the checks alone.
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
  // One of each per process, kept across dev reloads.
  const worker = await ensureProvisioningWorker();
  const keyHealth = process.env.KEY_HEALTH_CHECKS === "off" ? undefined : await ensureKeyHealthScheduler();
  const webhooks = ensureWebhookWorker();
  const keyUseLog = await ensureKeyUseLogForwarder();
  const stop = () => {
    void Promise.allSettled([worker.stop(), keyHealth?.stop(), webhooks.stop(), keyUseLog.stop()]).finally(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
