import nextCoreWebVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";

const testOracles = [
  { name: "@cloud-copilot/iam-simulate", message: "Test oracle only (AGPL): import it from tests." },
  { name: "@aws-cdk/aws-service-spec", message: "Test oracle only: import it from tests." },
];

const config = [
  ...nextCoreWebVitals,
  ...nextTypescript,
  {
    ignores: [".next/**", ".next-*/**", "node_modules/**", "generated/**", ".data/**", "test-results/**", "test-results-*/**", "playwright-report/**", "demo-output/**", "next-env.d.ts"],
  },
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/ban-ts-comment": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // Not React code: names like `useKey` in the sandbox are not hooks.
    files: ["sandbox/**", "scripts/**", "prisma/**", "lib/provisioning/**", "lib/aws/**", "lib/byok/**"],
    rules: { "react-hooks/rules-of-hooks": "off" },
  },
  {
    // The test oracles are AGPL / dev-only: app and sandbox code must never import them
    // (tests and their support modules under __testing__/ may).
    files: ["**/*.ts", "**/*.tsx"],
    ignores: ["**/*.test.ts", "**/__testing__/**", "e2e/**"],
    rules: { "no-restricted-imports": ["error", { paths: testOracles }] },
  },
  {
    // Shared UI is used by routes; it never reaches into one (a route hands it what it needs).
    files: ["components/**/*.ts", "components/**/*.tsx"],
    rules: {
      "no-restricted-imports": [
        "error",
        { paths: testOracles, patterns: [{ group: ["@/app", "@/app/**"], message: "components/ must not import from app/: take it as a prop." }] },
      ],
    },
  },
  {
    // Services take the caller as an argument and run without Next: only the request module, the
    // page guard and the action adapter touch the request or the router.
    files: ["lib/**/*.ts", "lib/**/*.tsx"],
    ignores: ["**/*.test.ts", "**/__testing__/**", "lib/auth/request.ts", "lib/auth/guards.ts", "lib/pipeline/action.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [
            ...testOracles,
            ...["next/headers", "next/navigation", "next/cache"].map((name) => ({
              name,
              message: "lib/ runs without Next: take the caller as an argument (lib/auth/request.ts resolves it), and leave redirects to lib/pipeline/action.ts.",
            })),
          ],
        },
      ],
    },
  },
];

export default config;
