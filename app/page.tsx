import { redirect } from "next/navigation";
import { requestCaller } from "@/lib/auth/request";

export default async function Home() {
  const caller = await requestCaller();
  if (!caller) redirect("/sign-in");
  redirect(caller.role === "support" ? "/support" : "/environments");
}
