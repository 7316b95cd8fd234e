/** Who holds what: the customer's two keys, used only by the vendor's role through S3 and RDS. */
export function KeysDiagram({ brandName }: { brandName: string }) {
  return (
    <figure className="rounded-md border border-slate-200 bg-white p-4">
      <svg viewBox="0 0 640 220" role="img" aria-labelledby="keys-diagram-title keys-diagram-desc" className="h-auto w-full max-w-2xl">
        <title id="keys-diagram-title">Who holds what</title>
        <desc id="keys-diagram-desc">
          Your AWS account holds the S3 key and the RDS key. {brandName}&apos;s platform role may use the S3 key only through
          Amazon S3 for this environment&apos;s buckets, and the RDS key only through Amazon RDS for the Aurora cluster.
        </desc>
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" fill="#334155" />
          </marker>
        </defs>
        <rect x="8" y="8" width="230" height="204" rx="10" fill="#eff6ff" stroke="#1d4ed8" />
        <text x="24" y="34" fontSize="14" fontWeight="600" fill="#1e3a8a">Your AWS account</text>
        <rect x="28" y="56" width="190" height="56" rx="8" fill="#fff" stroke="#1d4ed8" />
        <text x="44" y="80" fontSize="13" fill="#0f172a">S3 key</text>
        <text x="44" y="99" fontSize="11" fill="#334155">encrypts object storage</text>
        <rect x="28" y="132" width="190" height="56" rx="8" fill="#fff" stroke="#1d4ed8" />
        <text x="44" y="156" fontSize="13" fill="#0f172a">RDS key</text>
        <text x="44" y="175" fontSize="11" fill="#334155">encrypts the Aurora database</text>
        <rect x="402" y="8" width="230" height="204" rx="10" fill="#f8fafc" stroke="#475569" />
        <text x="418" y="34" fontSize="14" fontWeight="600" fill="#1e293b">{brandName} account</text>
        <rect x="422" y="50" width="190" height="36" rx="8" fill="#fff" stroke="#475569" />
        <text x="438" y="73" fontSize="12" fill="#0f172a">Platform role</text>
        <rect x="422" y="104" width="190" height="40" rx="8" fill="#fff" stroke="#475569" />
        <text x="438" y="129" fontSize="12" fill="#0f172a">Amazon S3 buckets</text>
        <rect x="422" y="160" width="190" height="40" rx="8" fill="#fff" stroke="#475569" />
        <text x="438" y="185" fontSize="12" fill="#0f172a">Aurora cluster</text>
        <line x1="420" y1="124" x2="222" y2="86" stroke="#334155" strokeWidth="1.5" markerEnd="url(#arrow)" />
        <text x="236" y="76" fontSize="11" fill="#334155">via S3, this environment only</text>
        <line x1="420" y1="180" x2="222" y2="162" stroke="#334155" strokeWidth="1.5" markerEnd="url(#arrow)" />
        <text x="236" y="200" fontSize="11" fill="#334155">via RDS, grants for AWS only</text>
        <line x1="517" y1="86" x2="517" y2="102" stroke="#334155" strokeWidth="1.5" markerEnd="url(#arrow)" />
      </svg>
    </figure>
  );
}
