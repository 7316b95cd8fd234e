/**
 * One rule for every string any entry point receives: no NUL and no other C0 control
 * character (tab, line feed and carriage return excepted), and no DEL. PostgreSQL cannot
 * store NUL in text at all, and the others have no business in names, ARNs or notes; the
 * value is refused with a message that names the field, never silently cut short.
 */

const forbidden = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const everyForbidden = new RegExp(forbidden.source, "g");

/** Deeper than any form or query the portal takes; beyond it a value is refused as malformed. */
const MAX_DEPTH = 8;

export interface InputProblem {
  /** Dotted path of the field ("note", "keys.0"); "" for the input itself. */
  field: string;
  message: string;
}

export function controlCharacterMessage(field: string): string {
  const name = field === "" ? "The input" : `The field "${field}"`;
  return `${name} contains a control character (such as NUL) that is not allowed. Remove it and try again.`;
}

/** Every string (and object key) in a raw input that breaks the rule, with its field. */
export function controlCharacterProblems(value: unknown): InputProblem[] {
  const problems: InputProblem[] = [];
  const seen = new Set<object>();
  const visit = (current: unknown, path: string[]): void => {
    const field = path.join(".");
    if (typeof current === "string") {
      if (forbidden.test(current)) problems.push({ field, message: controlCharacterMessage(field) });
      return;
    }
    if (typeof current !== "object" || current === null || seen.has(current)) return;
    if (path.length >= MAX_DEPTH) {
      problems.push({ field, message: `The field "${field}" is nested too deeply.` });
      return;
    }
    seen.add(current);
    if (typeof FormData !== "undefined" && current instanceof FormData) {
      for (const [key, entry] of current.entries()) visit(entry, [...path, key]);
      return;
    }
    for (const [key, entry] of Object.entries(current)) {
      if (forbidden.test(key)) {
        const shown = [...path, key.replace(everyForbidden, "?")].join(".");
        problems.push({ field: shown, message: controlCharacterMessage(shown) });
      } else visit(entry, [...path, key]);
    }
  };
  visit(value, []);
  return problems;
}
