import type { Metadata } from "next";
import { Card } from "@/components/ui/card";
import { forPage } from "@/lib/auth/guards";
import { listTenantsOverview } from "@/lib/support/list-tenants";

export const metadata: Metadata = { title: "Support console" };

export default async function SupportHome() {
  const tenants = await forPage(() => listTenantsOverview());
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">Tenants</h1>
      <Card className="p-0">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Customer organizations</caption>
          <thead className="border-b border-slate-200 text-slate-700">
            <tr>
              <th scope="col" className="px-4 py-3 font-medium">Organization</th>
              <th scope="col" className="px-4 py-3 font-medium">Environments</th>
              <th scope="col" className="px-4 py-3 font-medium">Customer since</th>
            </tr>
          </thead>
          <tbody>
            {tenants.map((tenant) => (
              <tr key={tenant.id} className="border-b border-slate-100 last:border-0">
                <td className="px-4 py-3 font-medium">{tenant.name}</td>
                <td className="px-4 py-3">{tenant.environmentCount}</td>
                <td className="px-4 py-3">{tenant.createdAt.toISOString().slice(0, 10)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
    </div>
  );
}
