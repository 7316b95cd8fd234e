/**
 * Child processes for tests and the test scripts: the sandbox and portal workers, which
 * tests SIGKILL the way a crash or an OOM kill ends a real process, and any TypeScript entry
 * point run the way package.json runs scripts.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

/**
 * How to run a TypeScript entry point as its own process: node with tsx loaded (not tsx's
 * CLI, which runs the script in a grandchild that a SIGKILL of the child leaves running),
 * under the react-server condition that lets modules fenced with `server-only` load, as
 * package.json's scripts do. The same node binary as this process.
 */
export function tsxCommand(script: string, args: readonly string[] = []): [command: string, args: string[]] {
  return [process.execPath, ["--conditions=react-server", "--import", "tsx", script, ...args]];
}

export interface ChildHandle {
  process: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** Resolves with the exit code or signal once it has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** A free loopback port (the kernel's pick), for a child that must come back on the same one. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function startChild(script: string, env: NodeJS.ProcessEnv, readyLine: string, timeoutMs = 60_000): Promise<ChildHandle> {
  const [command, args] = tsxCommand(script);
  const child = spawn(command, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const handle: ChildHandle = {
    process: child,
    output: () => output,
    exited,
    async kill(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not print "${readyLine}" within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (output.includes(readyLine)) {
        clearTimeout(timer);
        resolve(handle);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });
}

/** `sandbox/main.ts` on a given port, its state in `stateFile` (kept across restarts). */
export function startSandboxProcess(options: { port: number; stateFile: string; rdsCreateDelayMs?: number }): Promise<ChildHandle> {
  return startChild(
    "sandbox/main.ts",
    {
      ...process.env,
      SANDBOX_PORT: String(options.port),
      SANDBOX_STATE_FILE: options.stateFile,
      SANDBOX_RDS_DELAY_MS: String(options.rdsCreateDelayMs ?? 300),
      SANDBOX_QUIET: "1",
    },
    "AWS sandbox on",
  );
}

/** A portal worker process (see worker-process.ts for the test switches) on this process's configuration. */
export function startWorkerProcess(switches: Record<string, string> = {}): Promise<ChildHandle> {
  return startChild("lib/provisioning/__testing__/worker-process.ts", { ...process.env, ...switches }, "worker ready");
}
