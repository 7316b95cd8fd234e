/**
 * Standalone sandbox: `npx tsx sandbox/main.ts`.
 * SANDBOX_PORT (default 4566), SANDBOX_STATE_FILE (default .data/sandbox-state.json),
 * SANDBOX_RDS_DELAY_MS (default 2000: how long an Aurora cluster stays creating, deleting or
 * starting), SANDBOX_RDS_KEY_LOSS_DELAY_MS (default 5000: how long after its KMS key becomes
 * unusable a cluster turns inaccessible-encryption-credentials-recoverable), SANDBOX_QUIET=1 to
 * silence request logs.
 * SANDBOX_PORT=0 picks a free port (the line printed at start names it). Every change is on
 * disk before its call is answered, so even a SIGKILL loses nothing that was acknowledged.
 */
import { startSandbox } from "./server";

const port = Number(process.env.SANDBOX_PORT ?? 4566);
const stateFile = process.env.SANDBOX_STATE_FILE ?? ".data/sandbox-state.json";
const rdsCreateDelayMs = Number(process.env.SANDBOX_RDS_DELAY_MS ?? 2000);
const rdsKeyLossDelayMs = Number(process.env.SANDBOX_RDS_KEY_LOSS_DELAY_MS ?? 5000);
const quiet = process.env.SANDBOX_QUIET === "1";

const sandbox = await startSandbox({
  port,
  stateFile,
  rdsCreateDelayMs,
  rdsKeyLossDelayMs,
  log: quiet ? undefined : (line) => process.stdout.write(`[sandbox] ${line}\n`),
});
process.stdout.write(`[sandbox] AWS sandbox on ${sandbox.url} (state: ${stateFile})\n`);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`[sandbox] ${signal}: saving state and stopping\n`);
  await sandbox.close();
  process.exit(0);
}
process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));
