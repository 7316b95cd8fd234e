import "server-only";
import { z } from "zod";
import { defineUseCase } from "@/lib/pipeline/use-case";
import { removeWebhook, rotateWebhookSecret, saveWebhookUrl, sendTestAlert, setWebhookEnabled, webhookUrlInputSchema } from "./settings";

/** The alert settings' use cases (customer admins, their own organization), as server actions run them. */

export const saveWebhookUrlUseCase = defineUseCase({ name: "webhook.save-url", access: "customer", input: webhookUrlInputSchema, run: saveWebhookUrl });

export const rotateWebhookSecretUseCase = defineUseCase({
  name: "webhook.rotate-secret",
  access: "customer",
  input: z.object({}),
  run: (caller) => rotateWebhookSecret(caller),
});

export const setWebhookEnabledUseCase = defineUseCase({
  name: "webhook.set-enabled",
  access: "customer",
  input: z.object({ enabled: z.boolean({ error: "Choose whether the webhook is on or off." }) }),
  run: setWebhookEnabled,
});

export const removeWebhookUseCase = defineUseCase({ name: "webhook.remove", access: "customer", input: z.object({}), run: (caller) => removeWebhook(caller) });

export const sendTestAlertUseCase = defineUseCase({ name: "webhook.send-test", access: "customer", input: z.object({}), run: (caller) => sendTestAlert(caller) });
