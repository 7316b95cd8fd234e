/** Small process helpers for the test scripts. */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { projectRoot } from "./database";

export function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: projectRoot, stdio: "inherit", env });
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on("error", () => resolve(127));
  });
}

/** Debian's Chromium and awscli are what the e2e and sandbox suites drive. */
export function ensureAptPackage(binary: string, aptPackage: string): void {
  if (existsSync(binary)) return;
  console.log(`${binary} is missing: installing Debian's ${aptPackage} with apt-get (needs root).`);
  const update = spawnSync("apt-get", ["update"], { stdio: "inherit" });
  const install =
    update.status === 0
      ? spawnSync("apt-get", ["install", "-y", "--no-install-recommends", aptPackage], {
          stdio: "inherit",
          env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
        })
      : update;
  if (install.status !== 0 || !existsSync(binary)) {
    throw new Error(`Could not install ${aptPackage}; install it yourself (apt-get install -y ${aptPackage}) and re-run.`);
  }
}
