"use server";

import { serverAction } from "@/lib/pipeline/action";
import {
  removeWebhookUseCase,
  rotateWebhookSecretUseCase,
  saveWebhookUrlUseCase,
  sendTestAlertUseCase,
  setWebhookEnabledUseCase,
} from "@/lib/webhooks/use-cases";

const page = () => "/settings/alerts";

// The secret travels to the browser exactly once, in the answer to the save that made it or to a rotation.
export const saveWebhookUrlAction = serverAction(saveWebhookUrlUseCase, { revalidate: page, data: (saved) => saved });

export const rotateWebhookSecretAction = serverAction(rotateWebhookSecretUseCase, { revalidate: page, data: (rotated) => rotated });

export const setWebhookEnabledAction = serverAction(setWebhookEnabledUseCase, { revalidate: page });

export const removeWebhookAction = serverAction(removeWebhookUseCase, { revalidate: page });

export const sendTestAlertAction = serverAction(sendTestAlertUseCase, { revalidate: page });
