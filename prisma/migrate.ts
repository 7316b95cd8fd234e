/**
 * Applies prisma/migrations with Prisma's WebAssembly schema engine over the pg driver
 * adapter, so no native engine is downloaded and `_prisma_migrations` stays Prisma's own
 * (the same rows `prisma migrate deploy` writes).
 */
import { readFile, readdir } from "node:fs/promises";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PrismaPg } from "@prisma/adapter-pg";
import { parseIntoClientConfig } from "pg-connection-string";
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import { randomUUID } from "node:crypto";
import pg from "pg";
import * as engineBindings from "@prisma/schema-engine-wasm/schema_engine_bg";
import type { MigrationList, SchemaEngine } from "@prisma/schema-engine-wasm";

const prismaDir = path.dirname(fileURLToPath(import.meta.url));
export const migrationsDir = path.join(prismaDir, "migrations");
const schemaPath = path.join(prismaDir, "schema.prisma");
const noFilter = { externalTables: [], externalEnums: [] };

/**
 * The pg adapter with two fixes for migrations:
 * - scripts go to PostgreSQL whole (simple query protocol, one implicit transaction);
 *   the stock adapter splits them on every ";", which breaks function bodies;
 * - its shadow database works: the stock one keeps the connection string (which
 *   overrides the shadow database name) and drops it while its pool is still connected.
 */
async function connectWholeScript(config: pg.ClientConfig): Promise<SqlDriverAdapter> {
  const pool = new pg.Pool({ ...config, max: 2 });
  const adapter = await new PrismaPg(pool).connect();
  adapter.executeScript = async (script: string) => {
    await pool.query(script);
  };
  const dispose = adapter.dispose.bind(adapter);
  adapter.dispose = async () => {
    await dispose();
    await pool.end().catch(() => {});
  };
  return adapter;
}

function migrationAdapterFactory(databaseUrl: string, opened: SqlDriverAdapter[]): SqlMigrationAwareDriverAdapterFactory {
  const config = parseIntoClientConfig(databaseUrl);
  return {
    provider: "postgres",
    adapterName: "@prisma/adapter-pg",
    async connect() {
      const adapter = await connectWholeScript(config);
      opened.push(adapter);
      return adapter;
    },
    async connectToShadowDb() {
      const database = `prisma_shadow_${randomUUID().replace(/-/g, "")}`;
      const admin = new pg.Client(config);
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE "${database}"`);
      } finally {
        await admin.end();
      }
      const adapter = await connectWholeScript({ ...config, database });
      const dispose = adapter.dispose.bind(adapter);
      adapter.dispose = async () => {
        await dispose();
        const dropper = new pg.Client(config);
        await dropper.connect();
        try {
          await dropper.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
        } finally {
          await dropper.end();
        }
      };
      return adapter;
    },
  };
}

let wasmReady: Promise<void> | undefined;

function loadWasm(): Promise<void> {
  wasmReady ??= (async () => {
    const require = createRequire(import.meta.url);
    const wasmPath = path.join(
      path.dirname(require.resolve("@prisma/schema-engine-wasm")),
      "schema_engine_bg.wasm",
    );
    const { instance } = await WebAssembly.instantiate(await readFile(wasmPath), {
      "./schema_engine_bg.js": engineBindings as unknown as WebAssembly.ModuleImports,
    });
    engineBindings.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
  })();
  return wasmReady;
}

async function migrationList(): Promise<MigrationList> {
  const entries = existsSync(migrationsDir) ? await readdir(migrationsDir, { withFileTypes: true }) : [];
  const directories = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const lockPath = path.join(migrationsDir, "migration_lock.toml");
  return {
    baseDir: migrationsDir,
    lockfile: {
      path: "migration_lock.toml",
      content: existsSync(lockPath) ? await readFile(lockPath, "utf8") : null,
    },
    shadowDbInitScript: "",
    migrationDirectories: await Promise.all(
      directories.map(async (dir) => {
        const file = path.join(migrationsDir, dir, "migration.sql");
        return {
          path: dir,
          migrationFile: {
            path: "migration.sql",
            content: existsSync(file)
              ? { tag: "ok" as const, value: await readFile(file, "utf8") }
              : { tag: "error" as const, value: `${file} is missing` },
          },
        };
      }),
    ),
  };
}

async function withEngine<T>(databaseUrl: string, run: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  await loadWasm();
  const schema = await readFile(schemaPath, "utf8");
  // The engine does not dispose what it connects, and that session holds Prisma's migration
  // advisory lock: another process migrating the same database would wait, then fail.
  const opened: SqlDriverAdapter[] = [];
  const adapter = bindMigrationAwareSqlAdapterFactory(migrationAdapterFactory(databaseUrl, opened));
  const { SchemaEngine: Engine } = engineBindings as unknown as typeof import("@prisma/schema-engine-wasm");
  const engine = await Engine.new({ datamodels: [[schemaPath, schema]] }, () => {}, adapter);
  try {
    return await run(engine);
  } finally {
    engine.free();
    await Promise.all(opened.splice(0).map((connection) => connection.dispose().catch(() => undefined)));
  }
}

/** Applies every pending migration; returns the names applied now. */
export async function applyMigrations(databaseUrl: string): Promise<string[]> {
  return withEngine(databaseUrl, async (engine) => {
    const result = await engine.applyMigrations({ migrationsList: await migrationList(), filters: noFilter });
    return result.appliedMigrationNames;
  });
}

/**
 * The SQL that takes a database built from `fromSchema` (empty when undefined) to the
 * current schema.prisma. Schema-to-schema, so no shadow database is needed (the pg
 * adapter cannot read PostgreSQL's internal "char" catalog columns the describer uses).
 */
export async function diffSchemas(databaseUrl: string, fromSchema: string | undefined): Promise<string> {
  return withEngine(databaseUrl, async (engine) => {
    const schema = await readFile(schemaPath, "utf8");
    const result = await engine.diff({
      from: fromSchema === undefined ? { tag: "empty" } : { tag: "schemaDatamodel", files: [{ path: schemaPath, content: fromSchema }] },
      to: { tag: "schemaDatamodel", files: [{ path: schemaPath, content: schema }] },
      script: true,
      exitCode: null,
      filters: noFilter,
    });
    return result.stdout ?? "";
  });
}
