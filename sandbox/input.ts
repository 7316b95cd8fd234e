/**
 * Readers for decoded request input. JSON (KMS) gives typed values; the query protocol gives
 * strings for everything, so numbers and booleans are accepted in string form as well.
 */
import { ServiceError } from "./errors";

export type Input = Record<string, unknown>;

function missing(name: string, code: string): ServiceError {
  return new ServiceError(code, `1 validation error detected: Value null at '${lowerFirst(name)}' failed to satisfy constraint: Member must not be null`, 400);
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

export function optString(input: Input, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new ServiceError("ValidationException", `Value at '${lowerFirst(name)}' must be a string`, 400);
}

export function reqString(input: Input, name: string, code = "ValidationException"): string {
  const value = optString(input, name);
  if (value === undefined || value === "") throw missing(name, code);
  return value;
}

export function optNumber(input: Input, name: string): number | undefined {
  const value = input[name];
  if (value === undefined || value === null || value === "") return undefined;
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN;
  if (!Number.isFinite(n)) {
    throw new ServiceError("ValidationException", `Value '${String(value)}' at '${lowerFirst(name)}' is not a number`, 400);
  }
  return n;
}

export function optBoolean(input: Input, name: string): boolean | undefined {
  const value = input[name];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "boolean") return value;
  if (value === "true") return true;
  if (value === "false") return false;
  throw new ServiceError("ValidationException", `Value '${String(value)}' at '${lowerFirst(name)}' is not a boolean`, 400);
}

export function optList(input: Input, name: string): unknown[] | undefined {
  const value = input[name];
  if (value === undefined || value === null || value === "") return undefined;
  if (Array.isArray(value)) return value;
  throw new ServiceError("ValidationException", `Value at '${lowerFirst(name)}' must be a list`, 400);
}

export function optStringList(input: Input, name: string): string[] | undefined {
  const list = optList(input, name);
  if (list === undefined) return undefined;
  return list.map((item) => {
    if (typeof item !== "string") {
      throw new ServiceError("ValidationException", `Value at '${lowerFirst(name)}' must be a list of strings`, 400);
    }
    return item;
  });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

export function optObject(input: Input, name: string): Input | undefined {
  const value = input[name];
  if (value === undefined || value === null || value === "") return undefined;
  if (isRecord(value)) return value;
  throw new ServiceError("ValidationException", `Value at '${lowerFirst(name)}' must be a structure`, 400);
}

export function optStringMap(input: Input, name: string): Record<string, string> | undefined {
  const value = optObject(input, name);
  if (value === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "string") {
      throw new ServiceError("ValidationException", `Value at '${lowerFirst(name)}.${k}' must be a string`, 400);
    }
    out[k] = v;
  }
  return out;
}

/** Blobs: JSON protocol sends base64 strings; internal callers may pass bytes directly. */
export function optBlob(input: Input, name: string): Buffer | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (typeof value === "string") return Buffer.from(value, "base64");
  throw new ServiceError("ValidationException", `Value at '${lowerFirst(name)}' must be a blob`, 400);
}
