import { parseKeyArn } from "@/lib/byok/arns";

/** A key ARN in full, with its account and region shown apart (what a reviewer checks). */
export function KeyArnSummary({ label, arn }: { label: string; arn: string }) {
  const parsed = parseKeyArn(arn);
  return (
    <div className="sm:col-span-2">
      <dt className="font-medium text-slate-700">{label}</dt>
      <dd className="font-mono break-all">{arn}</dd>
      {parsed ? (
        <dd className="text-slate-600">
          Account <span className="font-mono">{parsed.accountId}</span> · region <span className="font-mono">{parsed.region}</span>
          {parsed.multiRegion ? " · multi-region key" : ""}
        </dd>
      ) : null}
    </div>
  );
}
