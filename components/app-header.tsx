import Link from "next/link";
import { env } from "@/lib/env";
import type { ActionResult } from "@/lib/pipeline/result";
import { SignOutButton } from "./sign-out-button";

export function AppHeader({
  homeHref,
  context,
  email,
  signOutAction,
}: {
  homeHref: string;
  context: string;
  email: string;
  /** The sign-out server action, handed down by the layout (shared UI imports no route code). */
  signOutAction: (previous: ActionResult | null, formData: FormData) => Promise<ActionResult>;
}) {
  return (
    <header className="border-b border-slate-200 bg-white">
      <div className="mx-auto flex max-w-6xl items-center justify-between gap-4 px-6 py-3">
        <div className="flex items-center gap-3">
          <Link href={homeHref} className="font-semibold text-slate-900">
            {env().brandName}
          </Link>
          <span className="text-sm text-slate-600">{context}</span>
        </div>
        <div className="flex items-center gap-3 text-sm">
          <span className="text-slate-700">{email}</span>
          <SignOutButton action={signOutAction} />
        </div>
      </div>
    </header>
  );
}
