import type { ReactNode } from "react";
import { CopyButton } from "./copy-button";

/**
 * A titled, copyable snippet: the frame every command and policy is shown in. `children` is the
 * rendered code (highlighted on the server by CodeBlock, or plain text in client components).
 */
export function CodeFigure({ code, title, children }: { code: string; title: string; children?: ReactNode }) {
  return (
    <figure className="overflow-hidden rounded-md border border-slate-300 bg-slate-50">
      <figcaption className="flex items-center justify-between gap-2 border-b border-slate-300 bg-white px-3 py-2">
        <span className="text-sm font-medium text-slate-800">{title}</span>
        <CopyButton value={code} label={`Copy ${title}`} />
      </figcaption>
      <pre className="overflow-x-auto p-3 font-mono text-xs leading-relaxed whitespace-pre-wrap break-words text-slate-900" tabIndex={0} aria-label={title}>
        <code>{children ?? code}</code>
      </pre>
    </figure>
  );
}
