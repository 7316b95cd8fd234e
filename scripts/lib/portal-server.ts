/** The portal as a child process (`next start` of a finished build), for the scripts that measure it. */
import { spawn } from "node:child_process";
import path from "node:path";
import { projectRoot } from "./database";
import { StartupError } from "./startup";

export interface PortalServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts `next start` on 127.0.0.1:`port` with `env` (which names the build's NEXT_DIST_DIR),
 * and resolves once /api/health answers 200. Its output is shown with a prefix.
 */
export async function startPortalServer(options: { port: number; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<PortalServer> {
  const url = `http://localhost:${options.port}`;
  const child = spawn(path.join(projectRoot, "node_modules/.bin/next"), ["start", "-p", String(options.port)], {
    cwd: projectRoot,
    env: { ...options.env, BETTER_AUTH_URL: url },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const prefix = (chunk: Buffer) =>
    chunk
      .toString()
      .split("\n")
      .filter(Boolean)
      .map((line) => `[portal] ${line}\n`)
      .join("");
  child.stdout.on("data", (chunk: Buffer) => process.stdout.write(prefix(chunk)));
  child.stderr.on("data", (chunk: Buffer) => process.stderr.write(prefix(chunk)));
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once("exit", () => {
      exited = true;
      resolve();
    }),
  );
  const stop = async () => {
    if (exited) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exit;
    clearTimeout(timer);
  };
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  while (Date.now() < deadline) {
    if (exited) throw new StartupError(`\`next start\` exited before the portal answered on ${url}; its output is above.`);
    const healthy = await fetch(`${url}/api/health`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (healthy) return { url, stop };
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await stop();
  throw new StartupError(`The portal did not answer on ${url}/api/health within ${Math.round((options.timeoutMs ?? 120_000) / 1000)} s.`);
}
