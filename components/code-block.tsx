import { highlight, type SnippetLanguage } from "@/lib/highlight";
import { CopyButton } from "./copy-button";

/** A copyable, server-highlighted snippet. */
export function CodeBlock({
  code,
  language,
  title,
  filled = [],
}: {
  code: string;
  language: SnippetLanguage;
  title: string;
  filled?: string[];
}) {
  return (
    <figure className="overflow-hidden rounded-md border border-slate-300 bg-slate-50">
      <figcaption className="flex items-center justify-between gap-2 border-b border-slate-300 bg-white px-3 py-2">
        <span className="text-sm font-medium text-slate-800">{title}</span>
        <CopyButton value={code} label={`Copy ${title}`} />
      </figcaption>
      <pre className="overflow-x-auto p-3 font-mono text-xs leading-relaxed text-slate-900" tabIndex={0} aria-label={title}>
        <code>{highlight(code, language, filled)}</code>
      </pre>
    </figure>
  );
}
