import pg from "pg";
import { afterAll, expect, inject, test } from "vitest";
import { createTestDatabase, type TestDatabase } from "../lib/testing/test-database";
import { applyMigrations, diffSchemas } from "./migrate";

const created: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(created.map((database) => database.drop()));
});

async function columns(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ c: string }>(
      `SELECT table_name || '.' || column_name || ':' || data_type || ':' || is_nullable AS c
         FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'
        ORDER BY 1`,
    );
    return result.rows.map((row) => row.c);
  } finally {
    await client.end();
  }
}

test("migrations apply through the WASM engine, are recorded by Prisma and are idempotent", async () => {
  const database = await createTestDatabase(inject("databaseAdminUrl"));
  created.push(database);
  expect(await applyMigrations(database.ownerUrl)).toEqual([]);
  const client = new pg.Client({ connectionString: database.ownerUrl });
  await client.connect();
  const rows = await client.query("SELECT migration_name, finished_at FROM _prisma_migrations");
  await client.end();
  expect(rows.rowCount).toBeGreaterThan(0);
  for (const row of rows.rows) expect(row.finished_at).not.toBeNull();
});

test("the committed migrations produce exactly what schema.prisma describes", async () => {
  const migrated = await createTestDatabase(inject("databaseAdminUrl"));
  created.push(migrated);
  const fromSchema = await createTestDatabase(inject("databaseAdminUrl"));
  created.push(fromSchema);
  const client = new pg.Client({ connectionString: fromSchema.ownerUrl });
  await client.connect();
  await client.query("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
  await client.query(await diffSchemas(fromSchema.ownerUrl, undefined));
  await client.end();
  expect(await columns(migrated.ownerUrl)).toEqual(await columns(fromSchema.ownerUrl));
});
