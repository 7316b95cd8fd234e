import { CodeFigure } from "@/components/code-figure";
import type { KeyHealthEncryptionContext } from "@/lib/key-health/for-caller";
import { KEY_KIND_LABELS, type KeyHealthKey } from "./format";

/**
 * How the customer sees the platform's use of their keys in their own CloudTrail: KMS records
 * every call in the key's Region with the key ARN among the event's resources, and the
 * encryption context the platform sends in the event's requestParameters.
 */
export function TraceKeyUse({
  keys,
  encryptionContext,
  environmentId,
  headingId,
}: {
  keys: KeyHealthKey[];
  encryptionContext: KeyHealthEncryptionContext;
  environmentId: string;
  headingId: string;
}) {
  return (
    <div className="space-y-2 text-sm">
      <h3 id={headingId} className="font-semibold">Trace the platform&apos;s use of your keys</h3>
      <p className="text-slate-700">
        Every KMS call the platform makes with your keys is in your account&apos;s CloudTrail. Run these in the account that owns the keys
        to list the last 90 days of events for each key:
      </p>
      {keys.map((key) => (
        <CodeFigure key={key.kind} code={key.commands.cloudTrailLookup} title={`CloudTrail events for the ${KEY_KIND_LABELS[key.kind]}`} />
      ))}
      <p className="text-slate-700">
        The platform&apos;s own S3 calls carry an encryption context naming this environment, next to S3&apos;s <span className="font-mono">aws:s3:arn</span>:
      </p>
      <dl className="grid grid-cols-[8rem_1fr] gap-x-3 gap-y-1 rounded-md border border-slate-200 p-3 text-xs">
        <dt className="font-mono">tenant</dt>
        <dd className="font-mono">{encryptionContext.tenant}</dd>
        <dt className="font-mono">environment</dt>
        <dd className="font-mono">{environmentId}</dd>
        <dt className="font-mono">purpose</dt>
        <dd>
          what the call was for:{" "}
          {encryptionContext.purposes.map((purpose, index) => (
            <span key={purpose}>
              {index > 0 ? ", " : ""}
              <span className="font-mono">{purpose}</span>
            </span>
          ))}
        </dd>
      </dl>
      <p className="text-slate-700">
        Aurora&apos;s calls on the RDS key are made by the RDS service for the environment&apos;s cluster: they carry RDS&apos;s own encryption context
        and the platform account&apos;s role in <span className="font-mono">userIdentity</span>. The bucket markers are written when the
        environment is created; the canary is the object every key-health check writes and reads back.
      </p>
    </div>
  );
}
