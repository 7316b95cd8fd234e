/**
 * IAM condition operators. Rules followed (IAM User Guide, "Condition operators" and
 * "Multivalued context keys"):
 * - several values for one key are ORed; several keys and several operators are ANDed;
 * - a missing key makes a positive operator false and a negated operator true, unless the
 *   operator ends in `IfExists` (then true);
 * - `ForAnyValue:` is true if any request value matches (false for a missing key),
 *   `ForAllValues:` if every request value matches (true for a missing key);
 * - `Null` tests presence: "true" means the key must be absent.
 */
import type { ConditionValue, ContextValue } from "./types";
import { arnMatches, globMatch } from "./match";

type Matcher = (requestValue: string, policyValue: string) => boolean;

interface OperatorDef {
  match: Matcher;
  negated: boolean;
  /** Policy variables (`${aws:username}`) are expanded for string and ARN operators only. */
  variables: boolean;
}

const numeric = (cmp: (a: number, b: number) => boolean): Matcher => (r, p) => {
  if (r.trim() === "" || p.trim() === "") return false;
  const a = Number(r);
  const b = Number(p);
  return Number.isFinite(a) && Number.isFinite(b) && cmp(a, b);
};

function parseDate(value: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  // IAM accepts ISO 8601 dates and times only.
  if (!/^\d{4}-\d{2}-\d{2}/.test(value)) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

const date = (cmp: (a: number, b: number) => boolean): Matcher => (r, p) => {
  const a = parseDate(r);
  const b = parseDate(p);
  return a !== undefined && b !== undefined && cmp(a, b);
};

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const v = Number(part);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

const ipMatch: Matcher = (r, p) => {
  const [base, bitsText] = p.split("/");
  const ip = ipv4ToInt(r);
  const net = ipv4ToInt(base ?? "");
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (ip === undefined || net === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  if (bits === 0) return true;
  const blockSize = 2 ** (32 - bits);
  return Math.floor(ip / blockSize) === Math.floor(net / blockSize);
};

const boolMatch: Matcher = (r, p) => r.toLowerCase() === p.toLowerCase();

const operators: Record<string, OperatorDef> = {
  stringequals: { match: (r, p) => r === p, negated: false, variables: true },
  stringnotequals: { match: (r, p) => r === p, negated: true, variables: true },
  stringequalsignorecase: { match: (r, p) => r.toLowerCase() === p.toLowerCase(), negated: false, variables: true },
  stringnotequalsignorecase: { match: (r, p) => r.toLowerCase() === p.toLowerCase(), negated: true, variables: true },
  stringlike: { match: (r, p) => globMatch(p, r), negated: false, variables: true },
  stringnotlike: { match: (r, p) => globMatch(p, r), negated: true, variables: true },
  arnequals: { match: (r, p) => arnMatches(p, r), negated: false, variables: true },
  arnlike: { match: (r, p) => arnMatches(p, r), negated: false, variables: true },
  arnnotequals: { match: (r, p) => arnMatches(p, r), negated: true, variables: true },
  arnnotlike: { match: (r, p) => arnMatches(p, r), negated: true, variables: true },
  numericequals: { match: numeric((a, b) => a === b), negated: false, variables: false },
  numericnotequals: { match: numeric((a, b) => a === b), negated: true, variables: false },
  numericlessthan: { match: numeric((a, b) => a < b), negated: false, variables: false },
  numericlessthanequals: { match: numeric((a, b) => a <= b), negated: false, variables: false },
  numericgreaterthan: { match: numeric((a, b) => a > b), negated: false, variables: false },
  numericgreaterthanequals: { match: numeric((a, b) => a >= b), negated: false, variables: false },
  dateequals: { match: date((a, b) => a === b), negated: false, variables: false },
  datenotequals: { match: date((a, b) => a === b), negated: true, variables: false },
  datelessthan: { match: date((a, b) => a < b), negated: false, variables: false },
  datelessthanequals: { match: date((a, b) => a <= b), negated: false, variables: false },
  dategreaterthan: { match: date((a, b) => a > b), negated: false, variables: false },
  dategreaterthanequals: { match: date((a, b) => a >= b), negated: false, variables: false },
  bool: { match: boolMatch, negated: false, variables: false },
  ipaddress: { match: ipMatch, negated: false, variables: false },
  notipaddress: { match: ipMatch, negated: true, variables: false },
};

export function lookupContext(context: Record<string, ContextValue>, key: string): ContextValue | undefined {
  const direct = context[key];
  if (direct !== undefined) return direct;
  const lower = key.toLowerCase();
  for (const [k, v] of Object.entries(context)) {
    if (k.toLowerCase() === lower) return v;
  }
  return undefined;
}

/** Expands `${key}` policy variables; returns undefined when a referenced key is missing. */
function expandVariables(value: string, context: Record<string, ContextValue>): string | undefined {
  if (!value.includes("${")) return value;
  let failed = false;
  const out = value.replace(/\$\{([^}]+)\}/g, (_whole, name: string) => {
    if (name === "*") return "*";
    if (name === "?") return "?";
    if (name === "$") return "$";
    const v = lookupContext(context, name);
    if (typeof v !== "string") {
      failed = true;
      return "";
    }
    return v;
  });
  return failed ? undefined : out;
}

/** The policy values with their variables expanded, those naming a missing key left out; no copy when none has a variable. */
function expandAll(values: readonly string[], context: Record<string, ContextValue>): readonly string[] {
  let out: string[] | undefined;
  for (let i = 0; i < values.length; i += 1) {
    const value = values[i] ?? "";
    if (out === undefined && !value.includes("${")) continue;
    out ??= values.slice(0, i);
    const expanded = expandVariables(value, context);
    if (expanded !== undefined) out.push(expanded);
  }
  return out ?? values;
}

function asStrings(value: ConditionValue): readonly string[] {
  if (typeof value === "string") return [value];
  if (!Array.isArray(value)) return [String(value)];
  return value.every((v) => typeof v === "string") ? (value as string[]) : value.map((v) => String(v));
}

export class UnknownOperatorError extends Error {}

/** An operator name read once: `ForAnyValue:`/`ForAllValues:`, `IfExists`, and what it compares. */
interface ParsedOperator {
  setOperator: "any" | "all" | undefined;
  ifExists: boolean;
  isNull: boolean;
  op: OperatorDef | undefined;
}

/** Operator names by their spelling in policies: a handful, so each is parsed once. */
const parsedOperators = new Map<string, ParsedOperator>();

function parseOperator(operatorName: string): ParsedOperator {
  const cached = parsedOperators.get(operatorName);
  if (cached) return cached;
  let name = operatorName;
  let setOperator: "any" | "all" | undefined;
  if (name.toLowerCase().startsWith("foranyvalue:")) {
    setOperator = "any";
    name = name.slice("ForAnyValue:".length);
  } else if (name.toLowerCase().startsWith("forallvalues:")) {
    setOperator = "all";
    name = name.slice("ForAllValues:".length);
  }
  let ifExists = false;
  if (name.toLowerCase().endsWith("ifexists")) {
    ifExists = true;
    name = name.slice(0, -"IfExists".length);
  }
  const parsed: ParsedOperator = { setOperator, ifExists, isNull: name.toLowerCase() === "null", op: operators[name.toLowerCase()] };
  if (parsedOperators.size >= 1000) parsedOperators.clear();
  parsedOperators.set(operatorName, parsed);
  return parsed;
}

/** Whether one request value satisfies the operator against any policy value (negated: against none). */
function valueMatches(op: OperatorDef, policyValues: readonly string[], requestValue: string): boolean {
  let hit = false;
  for (const p of policyValues) {
    if (op.match(requestValue, p)) {
      hit = true;
      break;
    }
  }
  return op.negated ? !hit : hit;
}

const NO_VALUES: readonly string[] = [];

/** Evaluates one `operator: { key: values }` entry. Unknown operators never match. */
export function evaluateCondition(
  operatorName: string,
  key: string,
  rawPolicyValues: ConditionValue,
  context: Record<string, ContextValue>,
): boolean {
  const { setOperator, ifExists, isNull, op } = parseOperator(operatorName);
  const requestValue = lookupContext(context, key);
  const requestValues = requestValue === undefined ? NO_VALUES : Array.isArray(requestValue) ? requestValue : [requestValue];

  if (isNull) {
    const absent = requestValues.length === 0;
    return asStrings(rawPolicyValues).some((p) => (p.toLowerCase() === "true" ? absent : !absent));
  }
  if (!op) return false;

  if (requestValues.length === 0) {
    if (ifExists) return true;
    if (setOperator === "all") return true;
    if (setOperator === "any") return false;
    return op.negated;
  }

  const policyValues = asStrings(rawPolicyValues);
  const expanded = op.variables ? expandAll(policyValues, context) : policyValues;
  // ForAllValues: every request value; ForAnyValue: any. A single-valued operator on a
  // multivalued key: IAM compares each value; we require one (all, for a negated operator).
  const every = setOperator === "all" || (setOperator === undefined && op.negated);
  for (const r of requestValues) {
    const matches = valueMatches(op, expanded, r);
    if (every && !matches) return false;
    if (!every && matches) return true;
  }
  return every;
}

export function evaluateConditionBlock(
  block: Record<string, Record<string, ConditionValue>> | undefined,
  context: Record<string, ContextValue>,
): boolean {
  if (!block) return true;
  // Keys, not entries: no pair arrays to allocate on every call.
  for (const operatorName of Object.keys(block)) {
    const entries = block[operatorName] as Record<string, ConditionValue>;
    for (const key of Object.keys(entries)) {
      if (!evaluateCondition(operatorName, key, entries[key] as ConditionValue, context)) return false;
    }
  }
  return true;
}
