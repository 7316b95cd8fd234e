import path from "node:path";
import { defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

const alias = { "@": path.resolve(import.meta.dirname) };
// Tests import server code the way Next's server build does: with the `react-server` export
// condition, under which the `server-only` package is an empty module (anywhere else it
// throws). Nothing is aliased away, so the fence keeps meaning what it says. Vitest hands these
// conditions to its workers as `--conditions` too, so packages loaded by Node resolve alike;
// `tsx` scripts get the same flag in package.json. (Like Vitest's own default, without
// "module": packages' untranspiled ESM builds do not load in Node.)
const ssr = { resolve: { conditions: ["react-server", ...defaultServerConditions.filter((condition) => condition !== "module")] } };
const exclude = ["node_modules/**", ".next/**", ".data/**", "e2e/**", "generated/**"];

// Unit tests: pure code, no servers. Integration tests (*.int.test.ts): real PostgreSQL
// (one database per file, see lib/testing/test-database.ts), the sandbox on a free port.
export default defineConfig({
  resolve: { alias },
  ssr,
  test: {
    projects: [
      {
        resolve: { alias },
        ssr,
        test: {
          name: "unit",
          include: ["**/*.test.ts"],
          exclude: [...exclude, "**/*.int.test.ts"],
          environment: "node",
          setupFiles: ["lib/testing/fast-check-setup.ts"],
          // A guard against a hang, not a speed limit: property tests take 10 s on an idle box
          // and several times that on a loaded one (speed is measured by the benches).
          testTimeout: 180_000,
        },
      },
      {
        resolve: { alias },
        ssr,
        test: {
          name: "integration",
          include: ["**/*.int.test.ts"],
          globalSetup: ["scripts/lib/integration-setup.ts"],
          setupFiles: ["lib/testing/fast-check-setup.ts"],
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
