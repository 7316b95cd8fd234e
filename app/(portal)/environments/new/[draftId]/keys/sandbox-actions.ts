"use server";

import { serverAction } from "@/lib/pipeline/action";
import { deployKeysInSandboxUseCase } from "@/lib/sandbox-deploy/use-cases";

/** "Deploy in the sandbox": the stack's progress goes back to the keys step, which polls from there. */
export const deployKeysInSandboxAction = serverAction(deployKeysInSandboxUseCase, {
  data: ({ stackName, phase, stackStatus, events, payload, problem }) => ({ stackName, phase, stackStatus, events, payload, problem }),
});
