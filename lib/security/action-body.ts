/**
 * A first look at a server-action request body, before Next decodes it (a body Next cannot
 * decode becomes a 500 there). It accepts what the portal's own forms and clients send — React's
 * reply encoding of plain values, objects and FormData — and refuses the rest with a 400:
 * bodies that do not parse, and references to parts the body does not have or to value kinds
 * the portal never sends (Maps, Sets, Blobs, streams, server references, temporary references).
 */

/** React's encodings the portal's clients produce: escaped "$", FormData, special numbers, dates, bigints. */
const allowedSpecial = /^\$(\$.*|K[0-9a-f]+|undefined|NaN|Infinity|-Infinity|-0|D.+|n-?\d+)$/s;
/** An outlined part: "$1", "$@1" (a promise of it). */
const partReference = /^\$@?([0-9a-f]+)$/;

function referenceProblem(value: unknown, parts: ReadonlySet<string>, depth = 0): string | null {
  if (depth > 64) return "nested too deeply";
  if (typeof value === "string") {
    if (!value.startsWith("$") || allowedSpecial.test(value)) return null;
    const part = partReference.exec(value)?.[1];
    if (part !== undefined && parts.has(String(Number.parseInt(part, 16)))) return null;
    return `unsupported reference ${value.slice(0, 20)}`;
  }
  if (typeof value !== "object" || value === null) return null;
  for (const entry of Array.isArray(value) ? value : Object.values(value)) {
    const problem = referenceProblem(entry, parts, depth + 1);
    if (problem) return problem;
  }
  return null;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Why the body of a fetch server action cannot be what a portal client sent, or null. */
export async function actionBodyProblem(request: Request): Promise<string | null> {
  const contentType = request.headers.get("content-type") ?? "";
  if (contentType.startsWith("multipart/form-data")) {
    let form: FormData;
    try {
      form = await request.clone().formData();
    } catch {
      return "the multipart body does not parse";
    }
    // Numbered fields are outlined JSON parts ("0" is the arguments); "<n>_<name>" are FormData entries.
    const parts = new Map<string, string>();
    for (const [key, value] of form.entries()) {
      if (/^\d+$/.test(key)) {
        if (typeof value !== "string") return `part ${key} is not text`;
        parts.set(key, value);
      }
    }
    if (!parts.has("0")) return "the arguments are missing";
    const names = new Set(parts.keys());
    for (const [key, text] of parts) {
      const parsed = parseJson(text);
      if (!parsed.ok) return `part ${key} is not JSON`;
      if (key === "0" && !Array.isArray(parsed.value)) return "the arguments are not a list";
      const problem = referenceProblem(parsed.value, names);
      if (problem) return problem;
    }
    return null;
  }
  const parsed = parseJson(await request.clone().text());
  if (!parsed.ok) return "the body is not JSON";
  if (!Array.isArray(parsed.value)) return "the arguments are not a list";
  return referenceProblem(parsed.value, new Set(["0"]));
}
