import type { Metadata } from "next";
import Link from "next/link";
import { KeyHealthBadge } from "@/components/key-health-badge";
import { StatusBadge } from "@/components/status-badge";
import { buttonClasses } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { TableHead } from "@/components/ui/table";
import { forPage } from "@/lib/auth/guards";
import { listEnvironments } from "@/lib/environments/list-environments";
import { ENCRYPTION_MODE_LABELS } from "@/lib/labels";

export const metadata: Metadata = { title: "Environments" };

export default async function EnvironmentsPage() {
  const environments = await forPage("customer", (caller) => listEnvironments(caller));
  return (
    <div className="space-y-6">
      <div className="flex items-center justify-between">
        <h1 className="text-2xl font-semibold">Environments</h1>
        <Link href="/environments/new" className={buttonClasses("primary")}>
          Create environment
        </Link>
      </div>
      {environments.length === 0 ? (
        <Card>
          <h2 className="text-lg font-semibold">No environments yet</h2>
          <p className="mt-2 max-w-2xl text-slate-700">
            An environment can keep its files and its database encrypted with AWS KMS keys that live in your own AWS
            account, so you decide who may use them and can cut off access at any time. This choice, called bring your
            own key (BYOK), is made when the environment is created and cannot be switched on afterwards.
          </p>
        </Card>
      ) : (
        <Card className="p-0">
          <div className="overflow-x-auto" tabIndex={0} role="group" aria-label="Environments table">
            <table className="w-full text-left text-sm">
            <caption className="sr-only">Your organization&apos;s environments</caption>
            <TableHead columns={["Name", "Region", "Encryption", "Status", "Key health", "Created"]} className="border-b border-slate-200" />
            <tbody>
              {environments.map((environment) => (
                <tr key={environment.id} className="border-b border-slate-100 last:border-0">
                  <td className="px-4 py-3">
                    <Link href={`/environments/${environment.id}`} className="font-medium text-blue-700 underline">
                      {environment.name}
                    </Link>
                    {environment.tenantName ? (
                      <div className="font-mono text-xs text-slate-600">{environment.tenantName}</div>
                    ) : null}
                  </td>
                  <td className="px-4 py-3 font-mono">{environment.region}</td>
                  <td className="px-4 py-3">{ENCRYPTION_MODE_LABELS[environment.encryptionMode]}</td>
                  <td className="px-4 py-3">
                    <StatusBadge status={environment.status} />
                  </td>
                  <td className="px-4 py-3">
                    {environment.keyHealth ? (
                      <KeyHealthBadge state={environment.keyHealth.state} rotationOff={environment.keyHealth.rotationOff} />
                    ) : (
                      <span className="text-slate-700">—</span>
                    )}
                  </td>
                  <td className="px-4 py-3">
                    <time dateTime={environment.createdAt.toISOString()}>
                      {environment.createdAt.toISOString().slice(0, 16).replace("T", " ")} UTC
                    </time>
                  </td>
                </tr>
              ))}
            </tbody>
            </table>
          </div>
        </Card>
      )}
    </div>
  );
}
