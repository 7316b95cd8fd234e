import Link from "next/link";
import { signOutAction } from "@/app/(auth)/sign-in/actions";
import { env } from "@/lib/env";

export function AppHeader({
  homeHref,
  context,
  email,
}: {
  homeHref: string;
  context: string;
  email: string;
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
          <form action={signOutAction}>
            <button type="submit" className="rounded-md px-3 py-1.5 text-slate-800 hover:bg-slate-100">
              Sign out
            </button>
          </form>
        </div>
      </div>
    </header>
  );
}
