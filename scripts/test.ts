/**
 * `npm test`: typecheck, lint, unit, integration and e2e, in that order, every stage run
 * even when an earlier one fails. Prints each stage's counts and, last and alone on its
 * line, the sums: `N passed, N failed`.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { projectRoot } from "./lib/database";
import { run } from "./lib/run";

interface StageResult {
  name: string;
  passed: number;
  failed: number;
  skipped: number;
}

const bin = (name: string) => path.join(projectRoot, "node_modules/.bin", name);
const results: StageResult[] = [];
const resultsDir = path.join(projectRoot, "test-results");
mkdirSync(resultsDir, { recursive: true });

async function single(name: string, command: string, args: string[]) {
  console.log(`\n=== ${name} ===`);
  const code = await run(command, args);
  results.push({ name, passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1, skipped: 0 });
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

async function vitest(project: "unit" | "integration") {
  console.log(`\n=== ${project} tests ===`);
  const output = path.join(resultsDir, `vitest-${project}.json`);
  rmSync(output, { force: true });
  const code = await run(bin("vitest"), ["run", "--project", project, "--reporter=default", "--reporter=json", `--outputFile=${output}`]);
  const report = readJson<{ numTotalTests: number; numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number }>(output);
  // A stage that exits non-zero, or runs no test at all, counts as a failure even when no test failed.
  const broken = (code !== 0 && !report?.numFailedTests) || !report?.numTotalTests;
  const failed = (report?.numFailedTests ?? 0) + (broken ? 1 : 0);
  results.push({ name: `${project} tests`, passed: report?.numPassedTests ?? 0, failed, skipped: (report?.numPendingTests ?? 0) + (report?.numTodoTests ?? 0) });
}

async function e2e() {
  console.log("\n=== e2e tests ===");
  const output = path.join(resultsDir, "playwright.json");
  rmSync(output, { force: true });
  const code = await run(bin("tsx"), ["scripts/e2e.ts"]);
  const report = readJson<{ stats: { expected: number; unexpected: number; flaky: number; skipped: number } }>(output);
  const stats = report?.stats;
  const broken = (code !== 0 && !stats?.unexpected) || !stats?.expected;
  const failed = (stats?.unexpected ?? 0) + (stats?.flaky ?? 0) + (broken ? 1 : 0);
  results.push({ name: "e2e tests", passed: stats?.expected ?? 0, failed, skipped: stats?.skipped ?? 0 });
}

await single("typecheck", bin("tsc"), ["--noEmit", "-p", "."]);
await single("lint", bin("eslint"), ["--max-warnings=0", "."]);
await vitest("unit");
await vitest("integration");
if (existsSync(path.join(projectRoot, "playwright.config.ts"))) await e2e();

console.log("\n=== summary ===");
for (const result of results) {
  console.log(`${result.name.padEnd(18)} ${result.passed} passed, ${result.failed} failed${result.skipped ? `, ${result.skipped} skipped` : ""}`);
}
const passed = results.reduce((sum, r) => sum + r.passed, 0);
const failed = results.reduce((sum, r) => sum + r.failed, 0);
const skipped = results.reduce((sum, r) => sum + r.skipped, 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed === 0 ? 0 : 1);
