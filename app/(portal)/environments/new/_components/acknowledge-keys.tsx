"use client";

import { acknowledgeKeysAction } from "../actions";
import { ActionButton } from "./action-button";

export function AcknowledgeKeys({ draftId }: { draftId: string }) {
  return <ActionButton run={() => acknowledgeKeysAction({ environmentId: draftId })} label="Next" pendingLabel="Saving…" />;
}
