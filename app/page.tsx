import { redirect } from "next/navigation";
import { currentCaller } from "@/lib/auth/session";

export default async function Home() {
  const caller = await currentCaller();
  if (!caller) redirect("/sign-in");
  redirect(caller.role === "support" ? "/support" : "/environments");
}
