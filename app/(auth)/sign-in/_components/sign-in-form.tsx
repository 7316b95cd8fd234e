"use client";

import { useActionState, useState } from "react";
import { Button } from "@/components/ui/button";
import { Field, fieldAria } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { signInAction } from "../actions";

export function SignInForm({ next }: { next: string }) {
  const [state, formAction, pending] = useActionState(signInAction, null);
  // React resets the form after each attempt; the address typed comes back as its default value.
  const [email, setEmail] = useState("");
  const fieldErrors = state && !state.ok ? state.fieldErrors : {};
  // Field messages say it all; the form-level message is for refusals that are not about one field.
  const formError = state && !state.ok && Object.keys(fieldErrors).length === 0 ? state.error : undefined;
  return (
    <form
      action={formAction}
      onSubmit={(event) => setEmail(String(new FormData(event.currentTarget).get("email") ?? ""))}
      className="space-y-5"
      noValidate
    >
      <input type="hidden" name="next" value={next} />
      {formError ? (
        <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-800">
          {formError}
        </p>
      ) : null}
      <Field id="email" label="Email" errors={fieldErrors.email}>
        <Input
          id="email"
          name="email"
          type="email"
          autoComplete="username"
          defaultValue={email}
          required
          {...fieldAria("email", { hint: false, invalid: Boolean(fieldErrors.email) })}
        />
      </Field>
      <Field id="password" label="Password" errors={fieldErrors.password}>
        <Input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          {...fieldAria("password", { hint: false, invalid: Boolean(fieldErrors.password) })}
        />
      </Field>
      <Button type="submit" className="w-full" disabled={pending}>
        {pending ? "Signing in…" : "Sign in"}
      </Button>
    </form>
  );
}
