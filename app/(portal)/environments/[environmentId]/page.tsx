import type { Metadata } from "next";
import { StatusBadge } from "@/components/status-badge";
import { Card } from "@/components/ui/card";
import { forPage } from "@/lib/auth/guards";
import { getEnvironment } from "@/lib/environments/get-environment";

export const metadata: Metadata = { title: "Environment" };

export default async function EnvironmentPage({ params }: { params: Promise<{ environmentId: string }> }) {
  const { environmentId } = await params;
  const environment = await forPage(() => getEnvironment({ environmentId }));
  return (
    <div className="space-y-6">
      <div className="flex items-center gap-3">
        <h1 className="text-2xl font-semibold">{environment.name}</h1>
        <StatusBadge status={environment.status} />
      </div>
      <Card>
        <dl className="grid grid-cols-1 gap-4 text-sm sm:grid-cols-2">
          <div>
            <dt className="font-medium text-slate-700">Region</dt>
            <dd className="font-mono">{environment.region}</dd>
          </div>
          <div>
            <dt className="font-medium text-slate-700">Encryption at rest</dt>
            <dd>{environment.encryptionMode === "CUSTOMER_MANAGED" ? "Customer-managed keys (BYOK)" : "Vendor-managed keys"}</dd>
          </div>
          <div>
            <dt className="font-medium text-slate-700">Tenant name</dt>
            <dd className="font-mono">{environment.tenantName ?? "Assigned when provisioning finishes"}</dd>
          </div>
          <div>
            <dt className="font-medium text-slate-700">Created by</dt>
            <dd>{environment.createdBy.name} ({environment.createdBy.email})</dd>
          </div>
          {environment.s3KeyArn ? (
            <div className="sm:col-span-2">
              <dt className="font-medium text-slate-700">S3 key ARN</dt>
              <dd className="font-mono break-all">{environment.s3KeyArn}</dd>
            </div>
          ) : null}
          {environment.rdsKeyArn ? (
            <div className="sm:col-span-2">
              <dt className="font-medium text-slate-700">RDS key ARN</dt>
              <dd className="font-mono break-all">{environment.rdsKeyArn}</dd>
            </div>
          ) : null}
        </dl>
      </Card>
    </div>
  );
}
