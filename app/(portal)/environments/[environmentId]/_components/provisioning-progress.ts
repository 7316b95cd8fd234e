import type { ProvisioningStatusView } from "@/lib/environments/provisioning-status";

export interface ProvisioningProgress {
  /** Steps finished (done now or in an earlier attempt). */
  done: number;
  total: number;
  /** "Step 2 of 3: Database (Aurora cluster)", or "Queued" before the attempt has steps. */
  text: string;
}

/**
 * Where a provisioning run is, for the progress bar: the step under way (running, else the
 * first one waiting) and how many are finished. Null once the environment is not provisioning.
 */
export function provisioningProgress(view: Pick<ProvisioningStatusView, "status" | "attempt">): ProvisioningProgress | null {
  if (view.status !== "PROVISIONING") return null;
  const steps = view.attempt?.steps ?? [];
  if (steps.length === 0) return { done: 0, total: 1, text: "Queued" };
  const done = steps.filter((step) => step.status === "SUCCEEDED" || step.status === "SKIPPED").length;
  const index = [steps.findIndex((step) => step.status === "RUNNING"), steps.findIndex((step) => step.status === "PENDING")].find((i) => i !== -1);
  const current = index === undefined ? undefined : steps[index];
  // Every step settled while the environment still says Provisioning: the run is writing its result.
  if (index === undefined || !current) return { done, total: steps.length, text: `Step ${steps.length} of ${steps.length}: finishing` };
  return { done, total: steps.length, text: `Step ${index + 1} of ${steps.length}: ${current.label}` };
}
