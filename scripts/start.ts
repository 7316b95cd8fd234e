/**
 * The one command that brings the portal up: validates the configuration, starts the
 * embedded PostgreSQL and the AWS sandbox when nothing real is configured, applies
 * migrations, seeds the demo users (embedded defaults only, or SEED_DEMO=1), then runs
 * `next dev` or `next start`. Stops everything it started on SIGINT/SIGTERM.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ConfigError, isEmbedded, parseEnv, SANDBOX_ENDPOINT } from "../lib/env";
import { applyMigrations } from "../prisma/migrate";
import { openDatabase, projectRoot, type DatabaseHandle } from "./lib/database";
import { startLocalSandbox, type RunningSandbox } from "./lib/sandbox";

const mode = process.argv[2] === "start" ? "start" : "dev";
const embedded = isEmbedded();

function fail(lines: string[]): never {
  console.error("The portal did not start because of its configuration:");
  for (const line of lines) console.error(`  - ${line}`);
  process.exit(1);
}

// 1. Configuration first, before anything is started.
try {
  parseEnv(embedded ? { ...process.env, DATABASE_URL: "postgresql://embedded/placeholder", BYOK_EMBEDDED: "1" } : process.env);
} catch (error) {
  if (error instanceof ConfigError) fail(error.problems);
  throw error;
}

const started: { database?: DatabaseHandle; sandbox?: RunningSandbox; next?: ChildProcess } = {};
let stopping = false;

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  if (started.next && started.next.exitCode === null) {
    started.next.kill("SIGTERM");
    await new Promise((resolve) => started.next?.once("exit", resolve));
  }
  await started.sandbox?.close().catch(() => {});
  await started.database?.stop().catch(() => {});
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

function embeddedAuthSecret(): string {
  const file = path.join(projectRoot, ".data/auth-secret");
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString("base64url"), { mode: 0o600 });
  }
  return readFileSync(file, "utf8").trim();
}

try {
  started.database = await openDatabase();
  const applied = await applyMigrations(started.database.url);
  if (applied.length) console.log(`Applied migrations: ${applied.join(", ")}`);

  const childEnv: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: started.database.url, NEXT_TELEMETRY_DISABLED: "1" };
  if (embedded) {
    childEnv.BYOK_EMBEDDED = "1";
    childEnv.BETTER_AUTH_SECRET ??= embeddedAuthSecret();
    if (!process.env.AWS_ENDPOINT_URL) {
      started.sandbox = await startLocalSandbox({ stateFile: path.join(projectRoot, ".data/sandbox-state.json") });
      childEnv.AWS_ENDPOINT_URL = started.sandbox?.url ?? SANDBOX_ENDPOINT;
      // The sandbox's identity for the portal itself (see sandbox/README.md).
      childEnv.AWS_ACCESS_KEY_ID = "platform";
      childEnv.AWS_SECRET_ACCESS_KEY = "platform";
    }
  }
  // The final check, with everything filled in, exactly as the app will parse it.
  parseEnv(childEnv);

  if (embedded || process.env.SEED_DEMO === "1") {
    const { seedDemoData } = await import("../prisma/seed");
    console.log(await seedDemoData(started.database.url));
  }

  const nextBin = path.join(projectRoot, "node_modules/.bin/next");
  const port = process.env.PORT ?? "3000";
  if (mode === "start" && !existsSync(path.join(projectRoot, ".next/BUILD_ID"))) {
    const build = spawnSync(nextBin, ["build"], { cwd: projectRoot, stdio: "inherit", env: childEnv });
    if (build.status !== 0) throw new Error("next build failed");
  }
  console.log(`Portal: http://localhost:${port}${started.sandbox ? `  ·  AWS sandbox: ${started.sandbox.url}` : ""}`);
  const hostArgs = process.env.HOST ? ["-H", process.env.HOST] : [];
  started.next = spawn(nextBin, [mode, "-p", port, ...hostArgs], { cwd: projectRoot, stdio: "inherit", env: childEnv });
  started.next.on("exit", (code) => void shutdown(code ?? 0));
} catch (error) {
  if (error instanceof ConfigError) fail(error.problems);
  console.error(error instanceof Error ? error.message : error);
  await shutdown(1);
}
