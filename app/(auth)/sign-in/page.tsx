import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { Card } from "@/components/ui/card";
import { requestCaller } from "@/lib/auth/request";
import { safeNextPath } from "@/lib/auth/sign-in";
import { env } from "@/lib/env";
import { SignInForm } from "./_components/sign-in-form";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  const { next } = await searchParams;
  const nextPath = safeNextPath(Array.isArray(next) ? next[0] : next);
  if (await requestCaller()) redirect(nextPath);
  return (
    <main className="mx-auto flex min-h-screen max-w-md flex-col justify-center px-6 py-12">
      <p className="text-sm font-semibold tracking-wide text-blue-800 uppercase">{env().brandName}</p>
      <h1 className="mt-2 text-2xl font-semibold">Sign in to manage your environments</h1>
      <Card className="mt-6">
        <SignInForm next={nextPath} />
      </Card>
    </main>
  );
}
