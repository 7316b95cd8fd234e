"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { useForm } from "react-hook-form";
import { CopyButton } from "@/components/copy-button";
import { Button } from "@/components/ui/button";
import { Field, fieldAria } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import type { ActionResult } from "@/lib/pipeline/result";
import { webhookUrlFormSchema, type WebhookUrlInput } from "@/lib/webhooks/url";
import { removeWebhookAction, rotateWebhookSecretAction, saveWebhookUrlAction, sendTestAlertAction, setWebhookEnabledAction } from "../actions";

export interface WebhookView {
  url: string;
  enabled: boolean;
}

/** The one time a secret is shown: after the save that made it, or after a rotation. */
function SecretOnce({ secret }: { secret: string }) {
  return (
    <section aria-labelledby="signing-secret-heading" className="space-y-2 rounded-md border border-amber-300 bg-amber-50 p-4">
      <h3 id="signing-secret-heading" className="font-semibold">
        Signing secret
      </h3>
      <p className="text-sm text-slate-800">Copy it now and keep it with your receiver: it is shown only this once. Your receiver checks each request&apos;s X-Byok-Signature with it.</p>
      <div className="flex items-center gap-2">
        <code data-testid="webhook-secret" className="block overflow-x-auto rounded bg-white px-2 py-1 font-mono text-sm ring-1 ring-slate-300">
          {secret}
        </code>
        <CopyButton value={secret} label="Copy the signing secret" />
      </div>
    </section>
  );
}

export function AlertSettings({ webhook, allowLoopbackHttp }: { webhook: WebhookView | null; allowLoopbackHttp: boolean }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [secret, setSecret] = useState<string>();
  const [message, setMessage] = useState<{ text: string; error: boolean }>();
  const [confirmRemove, setConfirmRemove] = useState(false);
  const form = useForm<WebhookUrlInput>({
    resolver: zodResolver(webhookUrlFormSchema({ allowLoopbackHttp })),
    defaultValues: { url: webhook?.url ?? "" },
    mode: "onTouched",
  });
  const urlError = form.formState.errors.url?.message;

  function run<D>(action: () => Promise<ActionResult<D>>, onSuccess: (data: D) => string) {
    startTransition(async () => {
      setMessage(undefined);
      const result = await action();
      if (result.ok) {
        setMessage({ text: onSuccess(result.data), error: false });
        router.refresh();
        return;
      }
      setMessage({ text: result.error, error: true });
      const [fieldError] = result.fieldErrors.url ?? [];
      if (fieldError) form.setError("url", { message: fieldError });
    });
  }

  const save = form.handleSubmit((values) =>
    run(
      () => saveWebhookUrlAction(values),
      (saved) => {
        if (saved.secret) setSecret(saved.secret);
        return saved.created ? "Webhook saved. Copy the signing secret below." : "Webhook URL changed; the signing secret stays the same.";
      },
    ),
  );

  return (
    <div className="space-y-5">
      {message ? (
        <p role={message.error ? "alert" : "status"} className={message.error ? "rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-800" : "text-sm text-green-800"}>
          {message.text}
        </p>
      ) : (
        <p role="status" className="sr-only" />
      )}
      <form onSubmit={save} noValidate className="space-y-3">
        <Field
          id="url"
          label="Webhook URL"
          hint={allowLoopbackHttp ? "An https:// address (this installation also accepts http://127.0.0.1 or http://localhost for local tests)." : "An https:// address on the public internet, e.g. https://alerts.example.com/byok."}
          errors={urlError ? [urlError] : undefined}
        >
          <Input id="url" type="url" inputMode="url" autoComplete="off" spellCheck={false} {...fieldAria("url", { hint: true, invalid: Boolean(urlError) })} {...form.register("url")} />
        </Field>
        <Button type="submit" disabled={pending}>
          {webhook ? "Change URL" : "Save webhook"}
        </Button>
      </form>
      {secret ? <SecretOnce secret={secret} /> : null}
      {webhook ? (
        <div className="space-y-3 border-t border-slate-200 pt-4">
          <p className="text-sm">
            Status: <span className="font-semibold">{webhook.enabled ? "On: alerts are sent" : "Off: alerts are not sent"}</span>
          </p>
          <div className="flex flex-wrap gap-2">
            <Button variant="secondary" disabled={pending || !webhook.enabled} onClick={() => run(() => sendTestAlertAction({}), () => "Test alert sent. It appears in the delivery log below.")}>
              Send test
            </Button>
            <Button
              variant="secondary"
              disabled={pending}
              onClick={() =>
                run(
                  () => rotateWebhookSecretAction({}),
                  (rotated) => {
                    setSecret(rotated.secret);
                    return "New signing secret made; the old one no longer signs. Copy it below.";
                  },
                )
              }
            >
              Rotate secret
            </Button>
            <Button
              variant="secondary"
              disabled={pending}
              onClick={() => run(() => setWebhookEnabledAction({ enabled: !webhook.enabled }), () => (webhook.enabled ? "Webhook turned off." : "Webhook turned on."))}
            >
              {webhook.enabled ? "Disable" : "Enable"}
            </Button>
            {confirmRemove ? (
              <>
                <Button
                  variant="danger"
                  disabled={pending}
                  onClick={() =>
                    run(
                      () => removeWebhookAction({}),
                      () => {
                        setConfirmRemove(false);
                        setSecret(undefined);
                        form.reset({ url: "" });
                        return "Webhook removed.";
                      },
                    )
                  }
                >
                  Yes, remove the webhook
                </Button>
                <Button variant="ghost" onClick={() => setConfirmRemove(false)}>
                  Keep it
                </Button>
              </>
            ) : (
              <Button variant="ghost" disabled={pending} onClick={() => setConfirmRemove(true)}>
                Remove
              </Button>
            )}
          </div>
        </div>
      ) : null}
    </div>
  );
}
