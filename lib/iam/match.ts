/** Wildcard matching as IAM does it: `*` any run of characters, `?` exactly one. */
const globCache = new Map<string, RegExp>();

export function globToRegExp(pattern: string, ignoreCase: boolean): RegExp {
  const cacheKey = `${ignoreCase ? "i" : "s"}:${pattern}`;
  const cached = globCache.get(cacheKey);
  if (cached) return cached;
  let source = "^";
  for (const ch of pattern) {
    if (ch === "*") source += "[\\s\\S]*";
    else if (ch === "?") source += "[\\s\\S]";
    else source += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  source += "$";
  const re = new RegExp(source, ignoreCase ? "i" : "");
  if (globCache.size > 5000) globCache.clear();
  globCache.set(cacheKey, re);
  return re;
}

export function globMatch(pattern: string, value: string, ignoreCase = false): boolean {
  if (pattern === "*") return true;
  if (!pattern.includes("*") && !pattern.includes("?")) {
    return ignoreCase ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
  }
  return globToRegExp(pattern, ignoreCase).test(value);
}

/** Actions are case-insensitive (`kms:generatedatakey` matches `kms:GenerateDataKey`). */
export function actionMatches(pattern: string, action: string): boolean {
  return globMatch(pattern, action, true);
}

/**
 * ARN matching segment by segment: the first five colon-separated parts are matched
 * separately so a `*` in the region cannot swallow the account, the rest as one part.
 */
export function arnMatches(pattern: string, arn: string): boolean {
  if (pattern === "*") return true;
  const p = splitArn(pattern);
  const a = splitArn(arn);
  if (!p || !a) return false;
  for (let i = 0; i < 6; i += 1) {
    if (!globMatch(p[i] ?? "", a[i] ?? "")) return false;
  }
  return true;
}

function splitArn(value: string): string[] | undefined {
  const parts = value.split(":");
  if (parts.length < 6) return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(":")];
}

/** Resource element: `*`, or an ARN pattern; wildcards allowed, case-sensitive. */
export function resourceMatches(pattern: string, resource: string): boolean {
  if (pattern === "*") return true;
  return globMatch(pattern, resource);
}
