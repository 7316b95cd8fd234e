import type { Metadata } from "next";
import Link from "next/link";
import { KeyHealthBadge } from "@/components/key-health-badge";
import { StatusBadge } from "@/components/status-badge";
import { buttonClasses } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { TableHead } from "@/components/ui/table";
import { forPage } from "@/lib/auth/guards";
import { env } from "@/lib/env";
import { KEY_HEALTH_LABELS, KEY_HEALTH_STATES } from "@/lib/key-health/states";
import { ENCRYPTION_MODE_SHORT_LABELS, ENVIRONMENT_STATUS_LABELS, labelFor } from "@/lib/labels";
import { listTenants } from "@/lib/support/console";
import { ENCRYPTION_MODES, ENVIRONMENT_STATUSES, firstValues, TENANT_SORTS, tenantListHref } from "@/lib/support/tenant-query";

export const metadata: Metadata = { title: "Tenants" };

const select = "block w-full rounded-md border border-slate-400 bg-white px-2 py-2 text-sm";

/** One "Any or a value" filter of the search form. */
function FilterSelect({ name, label, value, options }: { name: string; label: string; value: string | undefined; options: [string, string][] }) {
  return (
    <div>
      <label htmlFor={name} className="block text-sm font-medium">{label}</label>
      <select id={name} name={name} defaultValue={value ?? ""} className={select}>
        <option value="">Any</option>
        {options.map(([optionValue, optionLabel]) => (
          <option key={optionValue} value={optionValue}>{optionLabel}</option>
        ))}
      </select>
    </div>
  );
}

export default async function TenantsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = firstValues(await searchParams);
  const { query, problems, page } = await forPage("support", (caller) => listTenants(caller, { searchParams: params }));
  const regions = env().supportedRegions;
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">Tenants</h1>
      <Card>
        <form method="get" action="/support/tenants" role="search" className="grid gap-4 sm:grid-cols-6">
          <div className="sm:col-span-6">
            <label htmlFor="q" className="block text-sm font-medium">Search</label>
            <input
              id="q"
              name="q"
              defaultValue={query.q ?? ""}
              aria-describedby="q-hint"
              className="mt-1 block w-full rounded-md border border-slate-400 px-3 py-2 font-mono text-sm"
            />
            <p id="q-hint" className="mt-1 text-xs text-slate-700">
              Organization, environment or tenant name (part of it), an environment id, a full key ARN or a key id.
            </p>
          </div>
          <FilterSelect name="status" label="Status" value={query.status} options={ENVIRONMENT_STATUSES.map((status) => [status, ENVIRONMENT_STATUS_LABELS[status]])} />
          <FilterSelect name="mode" label="Encryption" value={query.mode} options={ENCRYPTION_MODES.map((mode) => [mode, ENCRYPTION_MODE_SHORT_LABELS[mode]])} />
          <FilterSelect name="region" label="Region" value={query.region} options={regions.map((region) => [region, region])} />
          <FilterSelect name="keyHealth" label="Key health" value={query.keyHealth} options={KEY_HEALTH_STATES.map((state) => [state, KEY_HEALTH_LABELS[state]])} />
          <div className="sm:col-span-2">
            <label htmlFor="sort" className="block text-sm font-medium">Sort by</label>
            <select id="sort" name="sort" defaultValue={query.sort} className={select}>
              {Object.entries(TENANT_SORTS).map(([value, label]) => (
                <option key={value} value={value}>{label}</option>
              ))}
            </select>
          </div>
          <div className="flex items-end sm:col-start-6">
            <button type="submit" className={buttonClasses("primary", "w-full")}>Search</button>
          </div>
        </form>
        {problems.length ? (
          <p role="alert" className="mt-3 text-sm text-amber-900">{problems.join(" ")} The list below leaves out what was not valid.</p>
        ) : null}
      </Card>
      <Card className="p-0">
        <div className="overflow-x-auto" tabIndex={0} role="group" aria-label="Tenants table">
          <table className="w-full text-left text-sm">
          <caption className="sr-only">Tenants matching the search</caption>
          <TableHead columns={["Organization", "Environments", "Regions", "Encryption", "Worst status", "Key health", "Last activity"]} className="border-b border-slate-200" />
          <tbody>
            {page.rows.length === 0 ? (
              <tr>
                <td colSpan={7} className="px-4 py-6 text-center text-slate-700">No tenant matches this search.</td>
              </tr>
            ) : (
              page.rows.map((tenant) => (
                <tr key={tenant.id} className="border-b border-slate-100 last:border-0">
                  <td className="px-4 py-3">
                    <Link href={`/support/tenants/${tenant.id}`} className="font-medium text-blue-700 underline">
                      {tenant.name}
                    </Link>
                  </td>
                  <td className="px-4 py-3">{tenant.environmentCount}</td>
                  <td className="px-4 py-3 font-mono text-xs">{tenant.regions.join(", ") || "—"}</td>
                  <td className="px-4 py-3">{tenant.encryptionModes.map((mode) => labelFor(ENCRYPTION_MODE_SHORT_LABELS, mode)).join(", ") || "—"}</td>
                  <td className="px-4 py-3">{tenant.worstStatus ? <StatusBadge status={tenant.worstStatus} /> : "—"}</td>
                  <td className="px-4 py-3">{tenant.worstKeyHealth ? <KeyHealthBadge state={tenant.worstKeyHealth} /> : "—"}</td>
                  <td className="px-4 py-3">
                    <time dateTime={tenant.lastActivityAt.toISOString()}>{tenant.lastActivityAt.toISOString().slice(0, 16).replace("T", " ")} UTC</time>
                  </td>
                </tr>
              ))
            )}
          </tbody>
          </table>
        </div>
      </Card>
      <nav aria-label="Pages" className="flex justify-between">
        {query.cursor ? (
          <Link href={tenantListHref({ ...query, cursor: undefined })} className={buttonClasses("secondary")}>First page</Link>
        ) : (
          <span />
        )}
        {page.nextCursor ? (
          <Link href={tenantListHref({ ...query, cursor: page.nextCursor })} className={buttonClasses("secondary")}>Next page</Link>
        ) : null}
      </nav>
    </div>
  );
}
