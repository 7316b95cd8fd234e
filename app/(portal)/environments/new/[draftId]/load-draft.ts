import "server-only";
import { redirect } from "next/navigation";
import { forPage } from "@/lib/auth/guards";
import { getEnvironment } from "@/lib/environments/get-environment";
import { applicableSteps, firstIncompleteStep, stepIndex, type WizardStep } from "@/lib/environments/schemas";

/**
 * Loads the draft for a wizard step page. A submitted environment goes to its own page;
 * a step whose predecessors are not done sends the customer to the first one that is not.
 */
export async function loadWizardDraft(draftId: string, step: WizardStep) {
  const draft = await forPage("customer", (caller) => getEnvironment(caller, { environmentId: draftId }));
  if (draft.status !== "DRAFT") redirect(`/environments/${draft.id}`);
  const steps = applicableSteps(draft.encryptionMode);
  if (!steps.includes(step)) redirect(`/environments/new/${draft.id}/${firstIncompleteStep(draft)}`);
  const firstIncomplete = firstIncompleteStep(draft);
  if (stepIndex(step) > stepIndex(firstIncomplete)) redirect(`/environments/new/${draft.id}/${firstIncomplete}`);
  const reachable = steps.filter((candidate) => stepIndex(candidate) <= stepIndex(firstIncomplete));
  return { draft, reachable, encryptionChosen: stepIndex(draft.wizardStep) >= stepIndex("encryption") };
}
