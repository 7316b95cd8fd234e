/**
 * Wildcard matching as IAM does it: `*` any run of characters, `?` exactly one. Every call of the
 * sandbox evaluates the same few patterns, so what is derived from a pattern string (its regular
 * expression, its lower case, its ARN parts) is memoized by that string, never by a document:
 * a document changed in place still evaluates as it now reads.
 */
const CACHE_LIMIT = 5000;
const sensitiveGlobs = new Map<string, RegExp>();
const insensitiveGlobs = new Map<string, RegExp>();

/** `map.get(key)`, else `make(key)` remembered; a full cache starts over. */
function memoized<V>(map: Map<string, V>, key: string, make: (key: string) => V): V {
  const cached = map.get(key);
  if (cached !== undefined || map.has(key)) return cached as V;
  const value = make(key);
  if (map.size >= CACHE_LIMIT) map.clear();
  map.set(key, value);
  return value;
}

function compileGlob(pattern: string, ignoreCase: boolean): RegExp {
  let source = "^";
  for (const ch of pattern) {
    if (ch === "*") source += "[\\s\\S]*";
    else if (ch === "?") source += "[\\s\\S]";
    else source += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  source += "$";
  return new RegExp(source, ignoreCase ? "i" : "");
}

const compileSensitive = (pattern: string): RegExp => compileGlob(pattern, false);
const compileInsensitive = (pattern: string): RegExp => compileGlob(pattern, true);

export function globToRegExp(pattern: string, ignoreCase: boolean): RegExp {
  return ignoreCase ? memoized(insensitiveGlobs, pattern, compileInsensitive) : memoized(sensitiveGlobs, pattern, compileSensitive);
}

const lowerCases = new Map<string, string>();
const toLowerCase = (value: string): string => value.toLowerCase();

export function globMatch(pattern: string, value: string, ignoreCase = false): boolean {
  if (pattern === "*") return true;
  if (!pattern.includes("*") && !pattern.includes("?")) {
    return ignoreCase ? memoized(lowerCases, pattern, toLowerCase) === memoized(lowerCases, value, toLowerCase) : pattern === value;
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

const arnParts = new Map<string, readonly string[] | null>();

function splitArnUncached(value: string): readonly string[] | null {
  const parts = value.split(":");
  if (parts.length < 6) return null;
  return [...parts.slice(0, 5), parts.slice(5).join(":")];
}

function splitArn(value: string): readonly string[] | null {
  return memoized(arnParts, value, splitArnUncached);
}

/** Resource element: `*`, or an ARN pattern; wildcards allowed, case-sensitive. */
export function resourceMatches(pattern: string, resource: string): boolean {
  if (pattern === "*") return true;
  return globMatch(pattern, resource);
}
