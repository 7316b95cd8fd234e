import type { Metadata } from "next";
import Link from "next/link";
import { AuditTimeline } from "@/components/audit-timeline";
import { StatusBadge } from "@/components/status-badge";
import { buttonClasses } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { TableHead } from "@/components/ui/table";
import { forPage } from "@/lib/auth/guards";
import { ENCRYPTION_MODE_SHORT_LABELS } from "@/lib/labels";
import { getTenant } from "@/lib/support/console";
import { NoteForm } from "../../_components/note-form";
import { NotesList } from "../../_components/notes-list";

export const metadata: Metadata = { title: "Tenant" };

export default async function TenantPage({ params }: { params: Promise<{ organizationId: string }> }) {
  const ref = await params;
  const { organization, timeline } = await forPage("support", (caller) => getTenant(caller, ref));
  return (
    <div className="space-y-6">
      <p><Link href="/support/tenants" className="text-sm text-blue-700 underline">All tenants</Link></p>
      <h1 className="text-2xl font-semibold">{organization.name}</h1>
      <Card>
        <dl className="grid gap-3 text-sm sm:grid-cols-3">
          <div><dt className="font-medium text-slate-700">Slug</dt><dd className="font-mono">{organization.slug}</dd></div>
          <div><dt className="font-medium text-slate-700">Customer since</dt><dd>{organization.createdAt.toISOString().slice(0, 10)}</dd></div>
          <div><dt className="font-medium text-slate-700">Admins</dt><dd>{organization.members.map((member) => member.user.email).join(", ")}</dd></div>
        </dl>
      </Card>
      <Card className="p-0">
        <div className="overflow-x-auto" tabIndex={0} role="group" aria-label="Environments table">
          <table className="w-full text-left text-sm">
          <caption className="px-4 pt-4 text-left text-lg font-semibold">Environments</caption>
          <TableHead columns={["Name", "Tenant name", "Region", "Encryption", "Status"]} className="border-b border-slate-200" />
          <tbody>
            {organization.environments.map((environment) => (
              <tr key={environment.id} className="border-b border-slate-100 last:border-0">
                <td className="px-4 py-3">
                  <Link href={`/support/environments/${environment.id}`} className="font-medium text-blue-700 underline">{environment.name}</Link>
                </td>
                <td className="px-4 py-3 font-mono">{environment.tenantName ?? "—"}</td>
                <td className="px-4 py-3 font-mono">{environment.region}</td>
                <td className="px-4 py-3">{ENCRYPTION_MODE_SHORT_LABELS[environment.encryptionMode]}</td>
                <td className="px-4 py-3"><StatusBadge status={environment.status} /></td>
              </tr>
            ))}
          </tbody>
          </table>
        </div>
      </Card>
      <Card className="space-y-3">
        <h2 className="text-lg font-semibold">Internal notes</h2>
        <NotesList notes={organization.supportNotes} />
        <NoteForm organizationId={organization.id} />
      </Card>
      <Card className="space-y-3">
        <div className="flex flex-wrap gap-2">
          <a className={buttonClasses("secondary")} href={`/api/support/tenants/${organization.id}/audit-log?format=csv`}>Export audit log (CSV)</a>
          <a className={buttonClasses("secondary")} href={`/api/support/tenants/${organization.id}/audit-log?format=json`}>Export audit log (JSON)</a>
        </div>
        <AuditTimeline entries={timeline} showEnvironment />
      </Card>
    </div>
  );
}
