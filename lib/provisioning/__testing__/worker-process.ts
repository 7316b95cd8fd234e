/**
 * Test only: a portal process reduced to its provisioning worker, so integration tests can
 * run several at once on one database and SIGKILL them. Configured through the environment
 * (DATABASE_URL, AWS_ENDPOINT_URL, … as the portal) plus these test switches:
 *   WORKER_CONCURRENCY             runs at a time (default 1)
 *   WORKER_SIGKILL_AFTER_STEP      step key: the process kills itself with SIGKILL right
 *                                  after that step's result is committed
 *   WORKER_SIGKILL_PID_AFTER_CALL  "<Operation>:<pid>": after the first AWS call with that
 *                                  operation is answered, SIGKILL that pid (the sandbox)
 *   WORKER_HOLD_FIRST_RUN_UNTIL_READY  "1": the first run waits, after its first AWS call,
 *                                  until some other environment is READY (proves that another
 *                                  process takes work while this one is busy)
 * Prints "worker ready" once it takes jobs.
 */
import { db } from "@/lib/db";
import type { ProvisioningHooks } from "../context";
import { startProvisioningWorker } from "../worker";

const crashAfterStep = process.env.WORKER_SIGKILL_AFTER_STEP;
const [killOperation, killPid] = (process.env.WORKER_SIGKILL_PID_AFTER_CALL ?? "").split(":");
let killed = false;
let held = process.env.WORKER_HOLD_FIRST_RUN_UNTIL_READY !== "1";

const hooks: ProvisioningHooks = {
  async afterAwsCall({ operation, environmentId }) {
    if (!killed && killOperation && killPid && operation === killOperation) {
      killed = true;
      process.kill(Number(killPid), "SIGKILL");
    }
    if (!held) {
      held = true;
      for (;;) {
        const ready = await db().environment.count({ where: { status: "READY", id: { not: environmentId } } });
        if (ready > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  },
  afterStep({ stepKey }) {
    if (stepKey === crashAfterStep) process.kill(process.pid, "SIGKILL");
  },
};

const worker = await startProvisioningWorker({
  concurrency: Number(process.env.WORKER_CONCURRENCY ?? 1),
  pollingIntervalSeconds: 1,
  sweepIntervalMs: 1_000,
  hooks,
  log: (line) => process.stdout.write(`[worker ${process.pid}] ${line}\n`),
});
process.stdout.write("worker ready\n");
process.on("SIGTERM", () => {
  void worker.stop().then(() => process.exit(0));
});
