import { describe, expect, test } from "vitest";
import type { ProvisioningStatusView, ProvisioningStepView } from "@/lib/environments/provisioning-status";
import { provisioningProgress } from "./provisioning-progress";

const step = (key: string, label: string, status: ProvisioningStepView["status"]): ProvisioningStepView => ({
  key,
  label,
  status,
  tries: 0,
  startedAt: null,
  finishedAt: null,
  awsService: null,
  awsRequestId: null,
  errorCode: null,
  errorMessage: null,
  explanation: null,
  retry: null,
});

function view(status: ProvisioningStatusView["status"], statuses: ProvisioningStepView["status"][] | null): Pick<ProvisioningStatusView, "status" | "attempt"> {
  const labels = [
    ["object-storage", "Object storage"],
    ["database", "Database"],
    ["finalize", "Finalize"],
  ] as const;
  return {
    status,
    attempt: statuses
      ? {
          number: 1,
          status: "RUNNING",
          trigger: "create",
          createdAt: "2026-11-29T10:00:00.000Z",
          startedAt: null,
          finishedAt: null,
          steps: statuses.map((s, i) => step(labels[i]?.[0] ?? `step-${i}`, labels[i]?.[1] ?? `Step ${i}`, s)),
        }
      : null,
  };
}

describe("provisioning progress", () => {
  test("names the running step and counts the finished ones, earlier attempts' included", () => {
    expect(provisioningProgress(view("PROVISIONING", ["SUCCEEDED", "RUNNING", "PENDING"]))).toEqual({ done: 1, total: 3, text: "Step 2 of 3: Database" });
    expect(provisioningProgress(view("PROVISIONING", ["SKIPPED", "SUCCEEDED", "RUNNING"]))).toEqual({ done: 2, total: 3, text: "Step 3 of 3: Finalize" });
  });

  test("before any step runs, the first waiting step is the current one; without steps the attempt is queued", () => {
    expect(provisioningProgress(view("PROVISIONING", ["PENDING", "PENDING", "PENDING"]))).toEqual({ done: 0, total: 3, text: "Step 1 of 3: Object storage" });
    expect(provisioningProgress(view("PROVISIONING", ["SUCCEEDED", "PENDING", "PENDING"]))).toEqual({ done: 1, total: 3, text: "Step 2 of 3: Database" });
    expect(provisioningProgress(view("PROVISIONING", null))).toEqual({ done: 0, total: 1, text: "Queued" });
  });

  test("all steps done while the environment still says Provisioning: full bar, finishing", () => {
    expect(provisioningProgress(view("PROVISIONING", ["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]))).toEqual({ done: 3, total: 3, text: "Step 3 of 3: finishing" });
  });

  test("no progress bar once the environment is ready, failed or a draft", () => {
    expect(provisioningProgress(view("READY", ["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]))).toBeNull();
    expect(provisioningProgress(view("FAILED", ["SUCCEEDED", "FAILED", "PENDING"]))).toBeNull();
    expect(provisioningProgress(view("DRAFT", null))).toBeNull();
  });
});
