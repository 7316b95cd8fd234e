import "server-only";
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  type Stack,
  type StackEvent,
} from "@aws-sdk/client-cloudformation";
import { parseOnboardingPayload } from "@/lib/byok/arns";
import { TEMPLATE_OUTPUTS, templateParameterValues } from "@/lib/byok/template";
import type { CustomerCaller } from "@/lib/auth/caller";
import { env } from "@/lib/env";
import { byokMaterial } from "@/lib/environments/byok-material";
import { getEnvironment } from "@/lib/environments/get-environment";
import type { EnvironmentRef } from "@/lib/environments/schemas";
import { AppError } from "@/lib/errors";
import { sandboxMode } from "./mode";

/**
 * "Deploy in the sandbox" (sandbox mode only): the portal plays the customer for a demo. It
 * creates the keys stack of a draft with the sandbox's `customer` identity, exactly as the
 * displayed `aws cloudformation deploy` would (same template, same parameters, same stack
 * name), and reads the stack's events and its OnboardingPayload output for the wizard. Nothing
 * is stored: the stack in the sandbox is the state, and the payload goes through the key-ARN
 * step's own action like a pasted one.
 */

/** The sandbox's customer CLI user (README, "The AWS sandbox"): the secret equals the id. */
export const SANDBOX_CUSTOMER = { accessKeyId: "customer", secretAccessKey: "customer", accountId: "123456789012" } as const;

export interface SandboxStackEvent {
  id: string;
  /** ISO 8601. */
  at: string;
  logicalId: string;
  resourceType: string;
  status: string;
  reason: string | null;
}

/** What the keys step shows of the stack; events oldest first. */
export interface SandboxDeployProgress {
  stackName: string;
  /** none: no stack yet; in-progress: keep polling; complete: `payload` is set; failed: `problem` says why. */
  phase: "none" | "in-progress" | "complete" | "failed";
  stackStatus: string | null;
  events: SandboxStackEvent[];
  payload: { text: string; s3KeyArn: string; rdsKeyArn: string } | null;
  problem: string | null;
}

export const SANDBOX_ONLY_MESSAGE = "Deploy in the sandbox is only available while the portal runs against the AWS sandbox.";

/** Usable: the keys exist and the outputs are there. */
const COMPLETE = new Set(["CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE"]);
/** A failed creation: such a stack can only be deleted (CloudFormation refuses to update it), so a new attempt starts over. */
const START_OVER = new Set(["ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_COMPLETE"]);
const FAILED_EVENT = /_FAILED$/;

function requireSandbox(): { portalEndpointUrl: string } {
  const mode = sandboxMode();
  if (mode === null) throw new AppError("NOT_FOUND", SANDBOX_ONLY_MESSAGE);
  return mode;
}

/** A client of the sandbox as its customer, in the draft's Region; few retries, so a sandbox that is down is said at once. */
function customerCloudFormation(region: string, endpoint: string): CloudFormationClient {
  return new CloudFormationClient({
    region,
    endpoint,
    credentials: { accessKeyId: SANDBOX_CUSTOMER.accessKeyId, secretAccessKey: SANDBOX_CUSTOMER.secretAccessKey },
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 30_000 },
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** The sandbox never answered (refused connection, timeout): the SDK error carries no HTTP status. */
function noAnswer(error: unknown): boolean {
  if (!isRecord(error)) return true;
  const metadata = isRecord(error.$metadata) ? error.$metadata : {};
  return typeof metadata.httpStatusCode !== "number";
}

function errorName(error: unknown): string {
  return isRecord(error) && typeof error.name === "string" ? error.name : "";
}

function errorText(error: unknown): string {
  return isRecord(error) && typeof error.message === "string" ? error.message : "";
}

/** An AWS failure as a message for the demo runner: the sandbox being down, or what CloudFormation said. */
function sandboxFailure(error: unknown, operation: string, endpoint: string): AppError {
  if (error instanceof AppError) return error;
  if (noAnswer(error)) {
    return new AppError("INTERNAL", `The AWS sandbox at ${endpoint} did not answer. Start it (npm run sandbox, or npm run dev), then try again.`, { cause: error });
  }
  const code = errorName(error) || "an error";
  const text = errorText(error).slice(0, 300);
  return new AppError("INTERNAL", `The sandbox's CloudFormation refused ${operation} with ${code}${text ? `: ${text}` : ""}.`, { cause: error });
}

/** "Stack with id … does not exist" is CloudFormation's answer for a stack name it does not know. */
function isMissingStack(error: unknown): boolean {
  return errorName(error) === "ValidationError" && /does not exist/i.test(errorText(error));
}

async function describeStack(client: CloudFormationClient, stackName: string): Promise<Stack | null> {
  try {
    const answer = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    return answer.Stacks?.[0] ?? null;
  } catch (error) {
    if (isMissingStack(error)) return null;
    throw error;
  }
}

function eventOf(event: StackEvent): SandboxStackEvent {
  return {
    id: event.EventId ?? `${event.LogicalResourceId ?? ""}-${event.ResourceStatus ?? ""}-${event.Timestamp?.toISOString() ?? ""}`,
    at: (event.Timestamp ?? new Date(0)).toISOString(),
    logicalId: event.LogicalResourceId ?? "",
    resourceType: event.ResourceType ?? "",
    status: event.ResourceStatus ?? "",
    reason: event.ResourceStatusReason ?? null,
  };
}

/** The stack's events, oldest first (DescribeStackEvents answers newest first, 100 to a page: every event of this small stack). */
async function stackEvents(client: CloudFormationClient, stackName: string): Promise<SandboxStackEvent[]> {
  const answer = await client.send(new DescribeStackEventsCommand({ StackName: stackName }));
  return (answer.StackEvents ?? []).map(eventOf).reverse();
}

/** Why the stack failed, from its first failed resource (the stack's own event only repeats "rolled back"). */
function failureOf(stack: Stack, events: SandboxStackEvent[]): string {
  const first = events.find((event) => FAILED_EVENT.test(event.status) && event.resourceType !== "AWS::CloudFormation::Stack" && event.reason);
  const why = first ? `${first.logicalId} (${first.resourceType}): ${first.reason}` : (stack.StackStatusReason ?? "no reason given");
  return `The stack ${stack.StackName ?? ""} ended in ${stack.StackStatus ?? "an unknown state"}: ${why}. Fix the cause, then press Deploy in the sandbox again: a failed stack is deleted and created anew.`;
}

function progressOf(stackName: string, stack: Stack | null, events: SandboxStackEvent[]): SandboxDeployProgress {
  const base = { stackName, stackStatus: stack?.StackStatus ?? null, events, payload: null, problem: null };
  if (stack === null) return { ...base, phase: "none" };
  const status = stack.StackStatus ?? "";
  if (COMPLETE.has(status)) {
    const output = stack.Outputs?.find((candidate) => candidate.OutputKey === TEMPLATE_OUTPUTS.onboardingPayload)?.OutputValue;
    if (output === undefined) return { ...base, phase: "failed", problem: `The stack ${stackName} is ${status} but has no ${TEMPLATE_OUTPUTS.onboardingPayload} output: it was not created from this environment's template.` };
    const parsed = parseOnboardingPayload(output);
    if (!parsed.ok) return { ...base, phase: "failed", problem: `The stack's ${TEMPLATE_OUTPUTS.onboardingPayload} output could not be read: ${parsed.message}` };
    return { ...base, phase: "complete", payload: { text: output, s3KeyArn: parsed.s3KeyArn, rdsKeyArn: parsed.rdsKeyArn } };
  }
  // A rollback in progress ends failed, but only its final status says so: keep polling until then.
  if (status.endsWith("_IN_PROGRESS")) return { ...base, phase: "in-progress" };
  return { ...base, phase: "failed", problem: failureOf(stack, events) };
}

/** The draft the caller may deploy keys for: their organization's, still a draft, on customer-managed keys. */
async function deployableDraft(caller: CustomerCaller, input: EnvironmentRef) {
  const draft = await getEnvironment(caller, input);
  if (draft.encryptionMode !== "CUSTOMER_MANAGED") throw new AppError("NOT_FOUND", "This environment uses vendor-managed keys: there are no keys to create.");
  return draft;
}

async function readProgress(client: CloudFormationClient, stackName: string): Promise<SandboxDeployProgress> {
  const stack = await describeStack(client, stackName);
  return progressOf(stackName, stack, stack === null ? [] : await stackEvents(client, stackName));
}

/**
 * Creates the draft's keys stack in the sandbox as the customer, or picks up the one already
 * there (deployed from the displayed command, or by an earlier press): a complete or running
 * stack is shown as it is, a failed one is deleted and created again. The sandbox finishes a
 * stack inside CreateStack; against an endpoint that does not, the answer is in progress and
 * the keys step polls sandboxKeyStackProgress.
 */
export async function deployKeysInSandbox(caller: CustomerCaller, input: EnvironmentRef): Promise<SandboxDeployProgress & { environmentId: string; created: boolean }> {
  const { portalEndpointUrl } = requireSandbox();
  const draft = await deployableDraft(caller, input);
  if (draft.status !== "DRAFT") throw new AppError("CONFLICT", "This environment has already been submitted: its keys can no longer change.");
  const config = env();
  const material = byokMaterial(draft);
  const parameters = templateParameterValues({
    partition: config.partition,
    region: draft.region,
    platformAccountId: config.platformAccountId,
    platformRoleArn: config.platformRoleArn,
    environmentId: draft.id,
    bucketNamePrefix: material.bucketNamePrefix,
    resourcePrefix: config.resourcePrefix,
  });
  const client = customerCloudFormation(draft.region, portalEndpointUrl);
  let operation = "DescribeStacks";
  try {
    const existing = await describeStack(client, material.stackName);
    if (existing !== null && !START_OVER.has(existing.StackStatus ?? "")) {
      return { ...(await readProgress(client, material.stackName)), environmentId: draft.id, created: false };
    }
    if (existing !== null) {
      // The sandbox deletes before DeleteStack answers; on AWS CreateStack would then meet the
      // stack still being deleted, and the answer below shows that stack's progress instead.
      operation = "DeleteStack";
      await client.send(new DeleteStackCommand({ StackName: material.stackName }));
    }
    operation = "CreateStack";
    try {
      await client.send(
        new CreateStackCommand({
          StackName: material.stackName,
          TemplateBody: material.template(),
          Parameters: Object.entries(parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
        }),
      );
    } catch (error) {
      // Another press (or tab) created it in the meantime: show that one.
      if (errorName(error) !== "AlreadyExistsException") throw error;
    }
    operation = "DescribeStackEvents";
    return { ...(await readProgress(client, material.stackName)), environmentId: draft.id, created: true };
  } catch (error) {
    throw sandboxFailure(error, operation, portalEndpointUrl);
  } finally {
    client.destroy();
  }
}

/** The draft's keys stack as the keys step polls it: status, events and, once complete, the onboarding payload. */
export async function sandboxKeyStackProgress(caller: CustomerCaller, input: EnvironmentRef): Promise<SandboxDeployProgress> {
  const { portalEndpointUrl } = requireSandbox();
  const draft = await deployableDraft(caller, input);
  const { stackName } = byokMaterial(draft);
  const client = customerCloudFormation(draft.region, portalEndpointUrl);
  try {
    return await readProgress(client, stackName);
  } catch (error) {
    throw sandboxFailure(error, "DescribeStacks", portalEndpointUrl);
  } finally {
    client.destroy();
  }
}
