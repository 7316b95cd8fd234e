/**
 * `npm test`: typecheck, lint, unit, integration, the unit and integration suites again on
 * Node 24 (installed from the npm registry into .data/node24 when missing), and e2e, in
 * that order, every stage run even when an earlier one fails. The system packages the
 * suites drive are installed here, before the stage that needs them, never inside a test.
 * Prints each stage's counts and, last and alone on its line, the sums: `N passed, N failed`.
 *
 * `--only <stage>[,<stage>…]` runs the named stages alone: typecheck, lint, unit,
 * integration, unit-node24, integration-node24, e2e.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { projectRoot } from "./lib/database";
import { ensureNodeMajor } from "./lib/node-runtime";
import { ensureAptPackage, run } from "./lib/run";
import { describeError } from "./lib/startup";
import { tsxCommand } from "../lib/testing/processes";

interface StageResult {
  name: string;
  passed: number;
  failed: number;
  skipped: number;
  /** Why a stage failed without running, shown in the summary. */
  note?: string;
}

const stages = ["typecheck", "lint", "unit", "integration", "unit-node24", "integration-node24", "e2e"] as const;
type Stage = (typeof stages)[number];
const isStage = (name: string): name is Stage => (stages as readonly string[]).includes(name);

function selectedStages(args: string[]): Set<Stage> {
  const index = args.findIndex((arg) => arg === "--only" || arg.startsWith("--only="));
  if (index === -1) return new Set(stages);
  const arg = args[index] ?? "";
  const list = arg.startsWith("--only=") ? arg.slice("--only=".length) : (args[index + 1] ?? "");
  const names = list.split(",").map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !isStage(name));
  if (names.length === 0 || unknown.length > 0) {
    console.error(
      `${names.length === 0 ? "--only needs at least one stage" : `Unknown stage ${unknown.join(", ")}`}; ` +
        `the stages are ${stages.join(", ")} (e.g. --only unit,unit-node24).`,
    );
    console.log("0 passed, 1 failed");
    process.exit(1);
  }
  return new Set(names.filter(isStage));
}

const selected = selectedStages(process.argv.slice(2));
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

/** A vitest project on this Node, or on another Node binary (first on PATH for its children too). */
async function vitest(name: string, project: "unit" | "integration", report: string, node?: string) {
  const output = path.join(resultsDir, `${report}.json`);
  rmSync(output, { force: true });
  const args = ["run", "--project", project, "--reporter=default", "--reporter=json", `--outputFile=${output}`];
  const code = node
    ? await run(node, [path.join(projectRoot, "node_modules/vitest/vitest.mjs"), ...args], {
        ...process.env,
        PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ""}`,
      })
    : await run(bin("vitest"), args);
  const counts = readJson<{ numTotalTests: number; numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number }>(output);
  // A stage that exits non-zero, or runs no test at all, counts as a failure even when no test failed.
  const broken = (code !== 0 && !counts?.numFailedTests) || !counts?.numTotalTests;
  const failed = (counts?.numFailedTests ?? 0) + (broken ? 1 : 0);
  results.push({ name, passed: counts?.numPassedTests ?? 0, failed, skipped: (counts?.numPendingTests ?? 0) + (counts?.numTodoTests ?? 0) });
}

let node24: Promise<string> | undefined;

/** The same vitest project on Node 24; a failed install fails the stage, with the reason. */
async function vitestOnNode24(name: string, project: "unit" | "integration", report: string) {
  console.log(`\n=== ${name} ===`);
  let node: string;
  try {
    // Installed once per run; a failure is reported by every stage that needed it.
    node24 ??= ensureNodeMajor(24, path.join(projectRoot, ".data/node24"));
    node = await node24;
  } catch (error) {
    console.error(describeError(error));
    results.push({ name, passed: 0, failed: 1, skipped: 0, note: "Node 24 could not be installed, see above" });
    return;
  }
  await vitest(name, project, report, node);
}

let systemPackagesChecked = false;

/** Debian's awscli, which sandbox/awscli.int.test.ts drives: installed once, before the first integration stage. */
function ensureIntegrationPackages() {
  if (systemPackagesChecked) return;
  systemPackagesChecked = true;
  try {
    ensureAptPackage("/usr/bin/aws", "awscli");
  } catch (error) {
    console.error(describeError(error));
    results.push({ name: "awscli (apt-get)", passed: 0, failed: 1, skipped: 0, note: "/usr/bin/aws is missing, see above" });
  }
}

/** The two Playwright runs of scripts/e2e.ts: the production build's, then next dev's (e2e/dev/). */
const E2E_REPORTS = ["playwright.json", "playwright-dev.json"];

async function e2e() {
  console.log("\n=== e2e tests ===");
  for (const report of E2E_REPORTS) rmSync(path.join(resultsDir, report), { force: true });
  const code = await run(...tsxCommand("scripts/e2e.ts"));
  const totals = { expected: 0, unexpected: 0, flaky: 0, skipped: 0 };
  // A run without a report, or that ran no test, counts as a failure even when no test failed.
  let broken = 0;
  for (const report of E2E_REPORTS) {
    const stats = readJson<{ stats: { expected: number; unexpected: number; flaky: number; skipped: number } }>(path.join(resultsDir, report))?.stats;
    if (!stats?.expected) broken += 1;
    totals.expected += stats?.expected ?? 0;
    totals.unexpected += stats?.unexpected ?? 0;
    totals.flaky += stats?.flaky ?? 0;
    totals.skipped += stats?.skipped ?? 0;
  }
  if (code !== 0 && !totals.unexpected && !broken) broken = 1;
  results.push({ name: "e2e tests", passed: totals.expected, failed: totals.unexpected + totals.flaky + broken, skipped: totals.skipped });
}

if (selected.has("typecheck")) await single("typecheck", bin("tsc"), ["--noEmit", "-p", "."]);
if (selected.has("lint")) await single("lint", bin("eslint"), ["--max-warnings=0", "."]);
if (selected.has("unit")) {
  console.log("\n=== unit tests ===");
  await vitest("unit tests", "unit", "vitest-unit");
}
if (selected.has("integration")) {
  console.log("\n=== integration tests ===");
  ensureIntegrationPackages();
  await vitest("integration tests", "integration", "vitest-integration");
}
if (selected.has("unit-node24")) await vitestOnNode24("unit tests (Node 24)", "unit", "vitest-unit-node24");
if (selected.has("integration-node24")) {
  ensureIntegrationPackages();
  await vitestOnNode24("integration tests (Node 24)", "integration", "vitest-integration-node24");
}
if (selected.has("e2e") && existsSync(path.join(projectRoot, "playwright.config.ts"))) await e2e();

console.log("\n=== summary ===");
for (const result of results) {
  const counts = `${result.passed} passed, ${result.failed} failed${result.skipped ? `, ${result.skipped} skipped` : ""}`;
  console.log(`${result.name.padEnd(28)} ${counts}${result.note ? `  (${result.note})` : ""}`);
}
const passed = results.reduce((sum, r) => sum + r.passed, 0);
const failed = results.reduce((sum, r) => sum + r.failed, 0);
const skipped = results.reduce((sum, r) => sum + r.skipped, 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed === 0 ? 0 : 1);
