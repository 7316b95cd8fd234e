import "server-only";
import { getEnvironment } from "./get-environment";
import { db } from "@/lib/db";
import { explainProvisioningFailure } from "@/lib/provisioning/explain";
import { STEP_LABELS } from "./step-labels";


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
export async function getProvisioningStatus(options: { environmentId: string }): Promise<ProvisioningStatusView> {
  const environment = await getEnvironment(options);
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
            label: STEP_LABELS[step.key] ?? step.key,
            status: step.status,
            tries: step.tries,
            startedAt: iso(step.startedAt),
            finishedAt: iso(step.finishedAt),
            awsService: step.awsService,
            awsRequestId: step.awsRequestId,
            errorCode: step.errorCode,
            errorMessage: step.errorMessage,
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
                  })
                : null,
          })),
        }
      : null,
  };
}
