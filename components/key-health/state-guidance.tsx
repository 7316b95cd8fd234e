import { CodeFigure } from "@/components/code-figure";
import type { KeyHealthSnapshot, KeyKind } from "@/lib/key-health/findings";
import { KEY_KIND_LABELS, KEY_PATH_LABELS, utcDate, utcTime, type KeyHealthKey } from "./format";

/** What the current state means and how to fix it, with the commands for the key concerned. */

/** The keys a state is about: the one the check named, and any other whose KeyState says the same. */
function affectedKinds(snapshot: KeyHealthSnapshot, keyState?: string): KeyKind[] {
  const kinds = new Set<KeyKind>();
  if (snapshot.findings.problem) kinds.add(snapshot.findings.problem.key);
  for (const key of snapshot.findings.keys) if (keyState && key.keyState === keyState) kinds.add(key.kind);
  return (["s3", "rds"] as const).filter((kind) => kinds.has(kind));
}

function commandsOf(keys: KeyHealthKey[], kind: KeyKind) {
  return keys.find((key) => key.kind === kind)?.commands;
}

function AwsSaid({ snapshot }: { snapshot: KeyHealthSnapshot }) {
  const error = snapshot.findings.problem?.error;
  if (!error) return null;
  return (
    <p className="rounded bg-white p-2 font-mono text-xs break-words text-slate-900">
      {error.code}: {error.message}
      {error.requestId ? ` (request id ${error.requestId})` : ""}
    </p>
  );
}

export function StateGuidance({ snapshot, keys, policyCheckAnchor }: { snapshot: KeyHealthSnapshot | null; keys: KeyHealthKey[]; policyCheckAnchor?: string }) {
  if (!snapshot || snapshot.state === "UNKNOWN") {
    return <p className="text-sm text-slate-700">The platform has not checked this environment&apos;s keys yet. The first check runs shortly; you can also check now.</p>;
  }
  switch (snapshot.state) {
    case "HEALTHY":
      return <p className="text-sm text-slate-700">Both keys are enabled and the platform could use them: the last check wrote and read back an object through S3 and found the database available.</p>;
    case "KEY_DISABLED":
      return (
        <div className="space-y-3 text-sm">
          {affectedKinds(snapshot, "Disabled").map((kind) => {
            const commands = commandsOf(keys, kind);
            return (
              <div key={kind} className="space-y-2">
                <p>
                  The {KEY_KIND_LABELS[kind]} is disabled. Nothing encrypted with it can be read or written until it is enabled again: the
                  environment&apos;s {kind === "s3" ? "object storage" : "database"} is unavailable. Enable the key:
                </p>
                {commands ? <CodeFigure code={commands.enable} title={`Enable the ${KEY_KIND_LABELS[kind]}`} /> : null}
              </div>
            );
          })}
          <AwsSaid snapshot={snapshot} />
        </div>
      );
    case "PENDING_DELETION":
      return (
        <div className="space-y-3 text-sm">
          {affectedKinds(snapshot, "PendingDeletion").map((kind) => {
            const commands = commandsOf(keys, kind);
            const deletionDate = snapshot.findings.keys.find((key) => key.kind === kind)?.deletionDate;
            return (
              <div key={kind} className="space-y-2">
                <p>
                  The {KEY_KIND_LABELS[kind]} is scheduled for deletion
                  {deletionDate ? (
                    <>
                      {" "}on <time dateTime={deletionDate} className="font-semibold" data-testid={`deletion-date-${kind}`}>{utcDate(deletionDate)}</time> ({utcTime(deletionDate)})
                    </>
                  ) : null}
                  . It cannot be used meanwhile, and once it is deleted the data it encrypted cannot be recovered by anyone. Cancel the
                  deletion, then enable the key (a cancelled key stays disabled until you do):
                </p>
                {commands ? (
                  <>
                    <CodeFigure code={commands.cancelDeletion} title={`Cancel the deletion of the ${KEY_KIND_LABELS[kind]}`} />
                    <CodeFigure code={commands.enable} title={`Enable the ${KEY_KIND_LABELS[kind]}`} />
                  </>
                ) : null}
              </div>
            );
          })}
          <AwsSaid snapshot={snapshot} />
        </div>
      );
    case "ACCESS_DENIED": {
      const problem = snapshot.findings.problem;
      const commands = problem ? commandsOf(keys, problem.key) : undefined;
      return (
        <div className="space-y-2 text-sm">
          {problem ? (
            <p>
              The {KEY_KIND_LABELS[problem.key]}&apos;s policy refuses the platform
              {problem.path ? <> on the {KEY_PATH_LABELS[problem.path]} path</> : null}.{" "}
              {problem.statementSid ? (
                <>
                  Restore the statement <span className="font-mono font-semibold">{problem.statementSid}</span> in the key policy.
                </>
              ) : (
                "Restore the platform's statements in the key policy."
              )}
            </p>
          ) : (
            <p>A key policy refuses the platform. Restore the platform&apos;s statements in the key policy.</p>
          )}
          <AwsSaid snapshot={snapshot} />
          {commands ? (
            <>
              <p>Print the key&apos;s current policy:</p>
              <CodeFigure code={commands.getPolicy} title={`Print the ${problem ? KEY_KIND_LABELS[problem.key] : "key"}'s policy`} />
            </>
          ) : null}
          {policyCheckAnchor ? (
            <p>
              Then{" "}
              <a className="font-medium text-blue-700 underline" href={`#${policyCheckAnchor}`}>
                check the key policy
              </a>{" "}
              below: it says which statement or condition refuses the platform and gives you a corrected policy.
            </p>
          ) : null}
        </div>
      );
    }
    case "KEY_NOT_FOUND": {
      const kinds = affectedKinds(snapshot);
      const named = kinds.length > 0 ? kinds.map((kind) => `The ${KEY_KIND_LABELS[kind]}`).join(" and ") : "A key";
      return (
        <div className="space-y-2 text-sm">
          <p>
            {named} no longer exists in AWS KMS. The data it encrypted cannot be recovered, by you or by us. Contact vendor support
            with this environment&apos;s id to plan what happens next.
          </p>
          <AwsSaid snapshot={snapshot} />
        </div>
      );
    }
    case "AWS_UNREACHABLE":
      return (
        <div className="space-y-2 text-sm">
          <p>
            The platform could not reach AWS for its last {snapshot.unreachableCount > 1 ? `${snapshot.unreachableCount} checks` : "check"}. This is temporary and not caused by your keys or
            settings; there is nothing for you to do. Checks continue automatically.
          </p>
          <AwsSaid snapshot={snapshot} />
        </div>
      );
  }
}
