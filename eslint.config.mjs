import nextCoreWebVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";

const config = [
  ...nextCoreWebVitals,
  ...nextTypescript,
  {
    ignores: [".next/**", "node_modules/**", "generated/**", ".data/**", "test-results/**", "playwright-report/**", "next-env.d.ts"],
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
    // The test oracles are AGPL / dev-only: app and sandbox code must never import them.
    files: ["**/*.ts", "**/*.tsx"],
    ignores: ["**/*.test.ts", "e2e/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [
            { name: "@cloud-copilot/iam-simulate", message: "Test oracle only (AGPL): import it from tests." },
            { name: "@aws-cdk/aws-service-spec", message: "Test oracle only: import it from tests." },
          ],
        },
      ],
    },
  },
];

export default config;
