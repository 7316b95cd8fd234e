import "server-only";
import { cliEndpointOption } from "@/lib/sandbox-deploy/mode";
import type { CustomerCaller } from "@/lib/auth/caller";
import { db } from "@/lib/db";
import { labelFor, PROVISIONING_STEP_LABELS } from "@/lib/labels";
import { explainProvisioningFailure, keyDiagnosisOf } from "@/lib/provisioning/explain";
import { stepRetryView, type StepRetryView } from "@/lib/provisioning/retry-state";
import { getEnvironment } from "./get-environment";
import type { EnvironmentRef } from "./schemas";

export interface ProvisioningStepView {
  key: string;
  label: string;
  status: "PENDING" | "RUNNING" | "SUCCEEDED" | "FAILED" | "SKIPPED";
  tries: number;
  startedAt: string | null;
  finishedAt: string | null;
  awsService: string | null;
  awsRequestId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  explanation: { summary: string; likelyCause: string; fix: string; commands: string[] } | null;
  /** Temporary AWS failures this step tried again; `waiting` while it waits for the next try. */
  retry: StepRetryView | null;
}

export interface ProvisioningStatusView {
  environmentId: string;
  status: "DRAFT" | "PROVISIONING" | "READY" | "FAILED";
  tenantName: string | null;
  provisionedAt: string | null;
  attempt: {
    number: number;
    status: string;
    trigger: string;
    createdAt: string;
    startedAt: string | null;
    finishedAt: string | null;
    steps: ProvisioningStepView[];
  } | null;
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** The latest provisioning attempt of one of the caller's environments, for the live status. */
export async function getProvisioningStatus(caller: CustomerCaller, input: EnvironmentRef): Promise<ProvisioningStatusView> {
  const environment = await getEnvironment(caller, input);
  const attempt = await db().provisioningAttempt.findFirst({
    where: { environmentId: environment.id },
    orderBy: { number: "desc" },
    include: { steps: { orderBy: { position: "asc" } } },
  });
  return {
    environmentId: environment.id,
    status: environment.status,
    tenantName: environment.tenantName,
    provisionedAt: iso(environment.provisionedAt),
    attempt: attempt
      ? {
          number: attempt.number,
          status: attempt.status,
          trigger: attempt.trigger,
          createdAt: attempt.createdAt.toISOString(),
          startedAt: iso(attempt.startedAt),
          finishedAt: iso(attempt.finishedAt),
          steps: attempt.steps.map((step) => ({
            key: step.key,
            label: labelFor(PROVISIONING_STEP_LABELS, step.key),
            status: step.status,
            tries: step.tries,
            startedAt: iso(step.startedAt),
            finishedAt: iso(step.finishedAt),
            awsService: step.awsService,
            awsRequestId: step.awsRequestId,
            errorCode: step.errorCode,
            errorMessage: step.errorMessage,
            retry: stepRetryView(step),
            explanation:
              step.status === "FAILED"
                ? explainProvisioningFailure({
                    stepKey: step.key,
                    awsService: step.awsService,
                    errorCode: step.errorCode,
                    errorMessage: step.errorMessage,
                    region: environment.region,
                    s3KeyArn: environment.s3KeyArn,
                    rdsKeyArn: environment.rdsKeyArn,
                    keyDiagnosis: keyDiagnosisOf(step.output),
                    ...cliEndpointOption(),
                  })
                : null,
          })),
        }
      : null,
  };
}
