import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { AppHeader } from "@/components/app-header";
import { asCustomer } from "@/lib/auth/access";
import { requestCaller } from "@/lib/auth/request";
import { unreadNotificationCount } from "@/lib/notifications/list";
import { signOutAction } from "@/app/(auth)/sign-in/actions";
import { Providers } from "./providers";

export default async function PortalLayout({ children }: { children: ReactNode }) {
  const caller = await requestCaller();
  if (!caller) redirect("/sign-in");
  if (caller.role === "support") redirect("/support");
  // A signed-in user without an organization gets the pages' own 404, and no count.
  const unread = caller.organizationId ? await unreadNotificationCount(asCustomer(caller)) : undefined;
  return (
    <>
      <AppHeader
        homeHref="/environments"
        context={caller.organizationName ?? ""}
        email={caller.email}
        unreadNotifications={unread}
        signOutAction={signOutAction}
      />
      <main className="mx-auto max-w-6xl px-4 py-8 sm:px-6">
        <Providers>{children}</Providers>
      </main>
    </>
  );
}
