/**
 * The AWS SDK's own service models, as shipped in `@aws-sdk/client-*`: since SDK v3.7xx each
 * client exports its shapes as static schema objects (`<Shape>$`, `<Operation>$`) read through
 * `@smithy/core/schema`. The schemas carry types, wire traits and required members, not enum
 * values: those are the client's exported constant objects (`KeyState`), which the type
 * declarations name for each member (`KeyState?: KeyState | undefined`).
 */
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { NormalizedSchema } from "@smithy/core/schema";

export interface ServiceModel {
  packageName: string;
  /** The operation's output shape. */
  output(operation: string): NormalizedSchema;
  /** The values an enum member may take, when the model makes it an enum. */
  enumOf(structure: string, member: string): readonly string[] | undefined;
  /** How many members of a structure are required: the schema lists them first. */
  requiredMembers(structure: NormalizedSchema): string[];
}

const require = createRequire(import.meta.url);

/** `Member?: Type | undefined;` lines of each exported interface in the client's declarations. */
function memberTypes(packageName: string): Map<string, string> {
  const modelsDir = path.resolve(path.dirname(require.resolve(packageName)), "../dist-types/models");
  const types = new Map<string, string>();
  for (const file of readdirSync(modelsDir).filter((name) => /^models_\d+\.d\.ts$/.test(name))) {
    let current: string | undefined;
    for (const line of readFileSync(path.join(modelsDir, file), "utf8").split("\n")) {
      const opened = /^export interface (\w+)\b/.exec(line);
      if (opened) {
        current = opened[1];
        continue;
      }
      if (line.startsWith("}")) {
        current = undefined;
        continue;
      }
      const member = /^ {4}(\w+)\??: (.+);$/.exec(line);
      if (current && member?.[1] && member[2]) types.set(`${current}.${member[1]}`, member[2]);
    }
  }
  return types;
}

function enumValues(candidate: unknown): readonly string[] | undefined {
  if (typeof candidate !== "object" || candidate === null || Array.isArray(candidate)) return undefined;
  const values = Object.values(candidate);
  return values.length > 0 && values.every((v): v is string => typeof v === "string") ? values : undefined;
}

/** Loads a client package's model: `clientModule` is the package imported as a namespace. */
export function loadServiceModel(packageName: string, clientModule: object): ServiceModel {
  const exports = clientModule as Record<string, unknown>;
  const types = memberTypes(packageName);
  return {
    packageName,
    output(operation) {
      const schema = exports[`${operation}$`];
      // An operation schema: [9, namespace, name, traits, input, output].
      if (!Array.isArray(schema) || schema[0] !== 9) throw new Error(`${packageName} has no operation ${operation}`);
      return NormalizedSchema.of(schema[5]);
    },
    enumOf(structure, member) {
      const declared = types.get(`${structure}.${member}`);
      if (!declared) return undefined;
      // `KeyState | undefined`, `EncryptionAlgorithmSpec[] | undefined`, `Record<string, X>`.
      const name = declared.replace(/ \| undefined$/, "").replace(/\[\]$/, "").replace(/^Record<string, (\w+)>$/, "$1");
      return /^\w+$/.test(name) ? enumValues(exports[name]) : undefined;
    },
    requiredMembers(structure) {
      const raw = structure.getSchema();
      // A structure schema: [3, namespace, name, traits, memberNames, memberSchemas, requiredCount?].
      if (!Array.isArray(raw) || raw[0] !== 3 || !Array.isArray(raw[4])) return [];
      const names = raw[4].filter((n): n is string => typeof n === "string");
      const count = typeof raw[6] === "number" ? raw[6] : 0;
      return names.slice(0, count);
    },
  };
}
