import { notFound, redirect } from "next/navigation";
import type { ReactNode } from "react";
import { AppHeader } from "@/components/app-header";
import { requestCaller } from "@/lib/auth/request";
import { signOutAction } from "@/app/(auth)/sign-in/actions";

export default async function SupportLayout({ children }: { children: ReactNode }) {
  const caller = await requestCaller();
  if (!caller) redirect("/sign-in");
  // Customers get the ordinary 404: the support console's existence is not advertised.
  if (caller.role !== "support") notFound();
  return (
    <>
      <AppHeader homeHref="/support" context="Support console" email={caller.email} signOutAction={signOutAction} />
      <main className="mx-auto max-w-6xl px-4 py-8 sm:px-6">{children}</main>
    </>
  );
}
