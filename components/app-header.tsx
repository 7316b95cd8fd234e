import Link from "next/link";
import { env } from "@/lib/env";
import type { ActionResult } from "@/lib/pipeline/result";
import { sandboxMode } from "@/lib/sandbox-deploy/mode";
import { SignOutButton } from "./sign-out-button";

/** "Notifications, 2 unread": the link's accessible name carries the count the badge shows. */
export function notificationsLinkName(unread: number): string {
  return unread === 0 ? "Notifications, none unread" : `Notifications, ${unread} unread`;
}

function NotificationsLink({ unread }: { unread: number }) {
  return (
    <Link
      href="/notifications"
      aria-label={notificationsLinkName(unread)}
      className="inline-flex items-center gap-1.5 rounded-md px-2 py-1 font-medium text-slate-800 hover:bg-slate-100"
    >
      Notifications
      {unread > 0 ? (
        <span aria-hidden="true" data-testid="unread-count" className="rounded-full bg-red-700 px-2 py-0.5 text-xs font-semibold text-white">
          {unread > 99 ? "99+" : unread}
        </span>
      ) : null}
    </Link>
  );
}

/** The accessible name and tooltip of the Sandbox badge. */
export function sandboxBadgeDescription(cliEndpointUrl: string): string {
  return `Sandbox: AWS calls go to the local sandbox at ${cliEndpointUrl}, not to AWS. The AWS CLI commands shown carry --endpoint-url ${cliEndpointUrl}.`;
}

/** Shown on every screen while the portal talks to the sandbox, so nobody mistakes a demo for AWS. */
function SandboxBadge({ cliEndpointUrl }: { cliEndpointUrl: string }) {
  const description = sandboxBadgeDescription(cliEndpointUrl);
  return (
    <span
      role="note"
      aria-label={description}
      title={description}
      data-testid="sandbox-badge"
      className="rounded-full border border-amber-400 bg-amber-100 px-2 py-0.5 text-xs font-semibold text-amber-900"
    >
      Sandbox
    </span>
  );
}

export function AppHeader({
  homeHref,
  context,
  email,
  unreadNotifications,
  signOutAction,
}: {
  homeHref: string;
  context: string;
  email: string;
  /** The organization's unread notifications (customer screens); the entry is left out without it. */
  unreadNotifications?: number;
  /** The sign-out server action, handed down by the layout (shared UI imports no route code). */
  signOutAction: (previous: ActionResult | null, formData: FormData) => Promise<ActionResult>;
}) {
  const sandbox = sandboxMode();
  return (
    <header className="border-b border-slate-200 bg-white">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-x-4 gap-y-2 px-4 py-3 sm:px-6">
        <div className="flex flex-wrap items-center gap-x-3">
          <Link href={homeHref} className="font-semibold text-slate-900">
            {env().brandName}
          </Link>
          <span className="text-sm text-slate-600">{context}</span>
          {sandbox ? <SandboxBadge cliEndpointUrl={sandbox.cliEndpointUrl} /> : null}
        </div>
        <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
          {unreadNotifications === undefined ? null : <NotificationsLink unread={unreadNotifications} />}
          <span className="break-all text-slate-700">{email}</span>
          <SignOutButton action={signOutAction} />
        </div>
      </div>
    </header>
  );
}
