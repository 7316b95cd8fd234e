/**
 * `npm run demo [-- --headed] [-- --slow-mo 250]`: a recorded walk through the product against
 * its own portal (a production build), database and AWS sandbox, all on free ports, stopped
 * afterwards. The flows are the e2e specs listed in playwright.demo.config.ts; the videos,
 * traces, screenshots and Playwright's HTML report land in demo-output/. `--headed` needs a
 * display (e.g. run it under xvfb-run).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import path from "node:path";
import { freePort, tsxCommand } from "../lib/testing/processes";
import { projectRoot } from "./lib/database";
import { ensureAptPackage, run } from "./lib/run";

const OUTPUT = "demo-output";

function option(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

const headed = process.argv.includes("--headed");
const slowMo = option("--slow-mo") ?? "0";
if (!/^\d{1,5}$/.test(slowMo)) {
  console.error(`--slow-mo takes a whole number of milliseconds, e.g. --slow-mo 250 (got ${slowMo}).`);
  process.exit(2);
}

/** Every file under a folder, for the closing summary. */
function files(dir: string): string[] {
  try {
    return readdirSync(dir).flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? files(full) : [full];
    });
  } catch {
    return [];
  }
}

/**
 * Playwright records video with an ffmpeg build it downloads, which this machine cannot fetch:
 * Debian's ffmpeg takes its place, linked where Playwright looks for its own (under a browsers
 * folder of the project's, so nothing outside the checkout changes).
 */
function provideFfmpeg(): string {
  ensureAptPackage("/usr/bin/ffmpeg", "ffmpeg");
  const browsers = JSON.parse(readFileSync(path.join(projectRoot, "node_modules/playwright-core/browsers.json"), "utf8")) as {
    browsers: Array<{ name: string; revision: string }>;
  };
  const revision = browsers.browsers.find((browser) => browser.name === "ffmpeg")?.revision;
  if (!revision) throw new Error("playwright-core's browsers.json names no ffmpeg revision.");
  const browsersPath = path.join(projectRoot, ".data/playwright");
  const target = path.join(browsersPath, `ffmpeg-${revision}`, "ffmpeg-linux");
  if (!existsSync(target)) {
    mkdirSync(path.dirname(target), { recursive: true });
    symlinkSync("/usr/bin/ffmpeg", target);
  }
  return browsersPath;
}

const output = path.join(projectRoot, OUTPUT);
rmSync(output, { recursive: true, force: true });
const started = Date.now();
const [command, args] = tsxCommand("scripts/e2e.ts", ["--config", "playwright.demo.config.ts"]);
const code = await run(command, args, {
  ...process.env,
  E2E_PORT: String(await freePort()),
  E2E_SANDBOX_PORT: String(await freePort()),
  E2E_PG_PORT: String(await freePort()),
  E2E_PG_DATA_DIR: path.join(projectRoot, ".data/demo-pg"),
  NEXT_DIST_DIR: ".next-demo",
  E2E_RESULTS_DIR: OUTPUT,
  DEMO_HEADED: headed ? "1" : "0",
  DEMO_SLOW_MO: slowMo,
  // No dev tools indicator in anything a demo records (the production build has none anyway).
  BYOK_DEMO: "1",
  PLAYWRIGHT_BROWSERS_PATH: provideFfmpeg(),
});

const produced = files(output);
const count = (pattern: RegExp) => produced.filter((file) => pattern.test(file)).length;
console.log(`\nDemo ${code === 0 ? "finished" : "FAILED"} in ${Math.round((Date.now() - started) / 1000)} s.`);
console.log(`  videos: ${count(/\.webm$/)}, traces: ${count(/trace\.zip$/)}, screenshots: ${count(/\.png$/)}`);
console.log(`  report: ${path.join(OUTPUT, "report", "index.html")} (npx playwright show-report ${path.join(OUTPUT, "report")})`);
process.exit(code);
