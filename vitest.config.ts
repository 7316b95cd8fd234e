import path from "node:path";
import { defineConfig } from "vitest/config";

const alias = {
  "@": path.resolve(import.meta.dirname),
  // Test-only: the real package throws outside Next's server build.
  "server-only": path.resolve(import.meta.dirname, "scripts/lib/server-only-stub.ts"),
};
const exclude = ["node_modules/**", ".next/**", ".data/**", "e2e/**", "generated/**"];

// Unit tests: pure code, no servers. Integration tests (*.int.test.ts): real PostgreSQL
// (one database per file, see scripts/lib/test-database.ts), the sandbox on a free port.
export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          include: ["**/*.test.ts"],
          exclude: [...exclude, "**/*.int.test.ts"],
          environment: "node",
        },
      },
      {
        resolve: { alias },
        test: {
          name: "integration",
          include: ["**/*.int.test.ts"],
          globalSetup: ["scripts/lib/integration-setup.ts"],
          exclude,
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: true,
          maxWorkers: 2,
        },
      },
    ],
  },
});
