import "server-only";
import type { ReactNode } from "react";

/**
 * Server-side syntax colouring for the JSON, YAML and shell snippets customers copy.
 * Values filled in from this environment are additionally marked, so the customer sees
 * what was substituted.
 */
export type SnippetLanguage = "json" | "shell" | "yaml";

const tokenPatterns: Record<SnippetLanguage, RegExp> = {
  json: /("(?:[^"\\]|\\.)*"(?=\s*:))|("(?:[^"\\]|\\.)*")|(\b(?:true|false|null)\b|-?\d+(?:\.\d+)?)/g,
  shell: /(^|\s)(--[a-z-]+)|('(?:[^'])*'|"(?:[^"\\]|\\.)*")|(\\$)/gm,
  yaml: /(^\s*[\w:.-]+(?=:))|(!\w+)|('(?:[^'])*'|"(?:[^"\\]|\\.)*")|(#.*$)/gm,
};

const classes = {
  key: "text-sky-800",
  string: "text-emerald-800",
  literal: "text-violet-800",
  flag: "text-sky-800",
  tag: "text-violet-800",
  comment: "text-slate-600 italic",
};

function markFilled(text: string, filled: string[], keyPrefix: string): ReactNode[] {
  const values = filled.filter((value) => value.length > 0).sort((a, b) => b.length - a.length);
  if (values.length === 0) return [text];
  const escaped = values.map((value) => value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const pattern = new RegExp(`(${escaped.join("|")})`, "g");
  return text.split(pattern).map((part, index) =>
    values.includes(part) ? (
      <mark key={`${keyPrefix}-${index}`} className="rounded bg-amber-100 px-0.5 text-inherit">
        {part}
      </mark>
    ) : (
      part
    ),
  );
}

export function highlight(code: string, language: SnippetLanguage, filled: string[] = []): ReactNode[] {
  const nodes: ReactNode[] = [];
  let last = 0;
  let index = 0;
  const pattern = new RegExp(tokenPatterns[language].source, tokenPatterns[language].flags);
  for (const match of code.matchAll(pattern)) {
    const start = match.index ?? 0;
    if (start > last) nodes.push(...markFilled(code.slice(last, start), filled, `p${index}`));
    const [whole, a, b, c, d] = match;
    let className: string;
    let text = whole;
    if (language === "json") className = a ? classes.key : b ? classes.string : classes.literal;
    else if (language === "shell") {
      if (b) {
        nodes.push(a ?? "");
        text = b;
        className = classes.flag;
      } else className = c ? classes.string : classes.comment;
    } else className = a ? classes.key : b ? classes.tag : c ? classes.string : d ? classes.comment : classes.string;
    nodes.push(
      <span key={`t${index}`} className={className}>
        {markFilled(text, filled, `t${index}`)}
      </span>,
    );
    last = start + whole.length;
    index += 1;
  }
  if (last < code.length) nodes.push(...markFilled(code.slice(last), filled, "end"));
  return nodes;
}
