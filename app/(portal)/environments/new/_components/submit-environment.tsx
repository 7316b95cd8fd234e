"use client";

import { submitEnvironmentAction } from "../actions";
import { ActionButton } from "./action-button";

/** "Create environment" on the review step. */
export function SubmitEnvironment({ draftId }: { draftId: string }) {
  return <ActionButton run={() => submitEnvironmentAction({ environmentId: draftId })} label="Create environment" pendingLabel="Creating…" />;
}
