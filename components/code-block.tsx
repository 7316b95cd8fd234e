import { highlight, type SnippetLanguage } from "@/lib/highlight";
import { CodeFigure } from "./code-figure";

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
    <CodeFigure code={code} title={title}>
      {highlight(code, language, filled)}
    </CodeFigure>
  );
}
