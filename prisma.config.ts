import { defineConfig } from "prisma/config";

// The CLI is only used for `prisma generate` here; migrations are applied by
// scripts/migrate.ts through the WebAssembly schema engine (no binary download).
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/unused" },
});
