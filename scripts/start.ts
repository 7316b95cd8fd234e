/**
 * The one command that brings the portal up: validates the configuration, starts the
 * embedded PostgreSQL and the AWS sandbox when nothing real is configured, applies
 * migrations, seeds the demo users (embedded defaults only, or SEED_DEMO=1), then runs
 * `next dev` or `next start`. Stops everything it started on SIGINT/SIGTERM, and when a
 * step fails, after printing one line: what failed and what to do.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ConfigError, isEmbedded, parseEnv } from "../lib/env";
import { openDatabase, projectRoot, type DatabaseHandle } from "./lib/database";
import { migrateDatabase } from "./lib/migrations";
import { appRoleProblems, roleOfUrl } from "../prisma/roles";
import { startLocalSandbox, type RunningSandbox } from "./lib/sandbox";
import { describeError, listenFailure, listenProblem, portSetting, StartupError } from "./lib/startup";

const mode = process.argv[2] === "start" ? "start" : "dev";
const embedded = isEmbedded();

function configProblems(lines: string[]): void {
  console.error("The portal did not start because of its configuration:");
  for (const line of lines) console.error(`  - ${line}`);
}

// 1. Configuration first, before anything is started.
try {
  parseEnv(embedded ? { ...process.env, DATABASE_URL: "postgresql://embedded/placeholder", BYOK_EMBEDDED: "1" } : process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  configProblems(error.problems);
  process.exit(1);
}

const started: { database?: DatabaseHandle; sandbox?: RunningSandbox; next?: ChildProcess } = {};
let stopping = false;

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  if (started.next && started.next.exitCode === null && started.next.signalCode === null) {
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

async function launch(): Promise<void> {
  // The portal's own port is checked before anything is started for it.
  const port = portSetting("PORT", 3000);
  const host = process.env.HOST?.trim() || undefined;
  const portProblem = await listenProblem(port, host);
  if (portProblem) throw new StartupError(listenFailure("The portal", port, host, portProblem, "PORT"));

  // A real deployment names two roles: the app's (DATABASE_URL) and the owner's, which migrates.
  if (!embedded) {
    const ownerUrl = process.env.DATABASE_OWNER_URL?.trim();
    if (!ownerUrl) {
      throw new StartupError(
        "DATABASE_OWNER_URL is required with DATABASE_URL: migrations run as the role that owns the tables, and the portal connects " +
          "as DATABASE_URL's role, which may only insert into and read the audit log (README, Database roles).",
      );
    }
    if (!/^postgres(ql)?:\/\//.test(ownerUrl)) throw new StartupError("DATABASE_OWNER_URL must be a postgresql:// connection string.");
    if (roleOfUrl(ownerUrl) === roleOfUrl(process.env.DATABASE_URL ?? "")) {
      throw new StartupError(
        `DATABASE_URL and DATABASE_OWNER_URL both log in as ${roleOfUrl(ownerUrl)}; the portal must connect as a role of its own that cannot rewrite the audit log (README, Database roles).`,
      );
    }
  }
  started.database = await openDatabase();
  const applied = await migrateDatabase(started.database);
  if (applied.length) console.log(`Applied migrations: ${applied.join(", ")}`);
  if (!embedded) {
    const problems = await appRoleProblems(started.database.url);
    if (problems.length) {
      throw new StartupError(
        `DATABASE_URL's role could rewrite the audit log (${problems.join("; ")}). Connect the portal as a role with only the rights prisma/roles.ts grants (README, Database roles).`,
      );
    }
  }

  const childEnv: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: started.database.url, NEXT_TELEMETRY_DISABLED: "1" };
  // The portal itself never needs the owner's credentials.
  delete childEnv.DATABASE_OWNER_URL;
  if (embedded) {
    childEnv.BYOK_EMBEDDED = "1";
    childEnv.BETTER_AUTH_SECRET ??= embeddedAuthSecret();
    if (!process.env.AWS_ENDPOINT_URL) {
      started.sandbox = await startLocalSandbox({ stateFile: path.join(projectRoot, ".data/sandbox-state.json") });
      childEnv.AWS_ENDPOINT_URL = started.sandbox.url;
      // The sandbox's identity for the portal itself (see sandbox/README.md).
      childEnv.AWS_ACCESS_KEY_ID = "platform";
      childEnv.AWS_SECRET_ACCESS_KEY = "platform";
    }
  }
  // The final check, with everything filled in, exactly as the app will parse it.
  parseEnv(childEnv);

  if (embedded || process.env.SEED_DEMO === "1") {
    try {
      const { seedDemoData } = await import("../prisma/seed");
      console.log(await seedDemoData(started.database.url));
    } catch (error) {
      throw new StartupError(
        `Loading the demo users failed: ${describeError(error).replace(/\.$/, "")}. Fix the database, then start again (\`npm run db:seed\` repeats just this step).`,
      );
    }
  }

  const nextBin = path.join(projectRoot, "node_modules/.bin/next");
  if (!existsSync(nextBin)) throw new StartupError(`${nextBin} is missing. Run \`npm install\`, then start again.`);
  if (mode === "start" && !existsSync(path.join(projectRoot, ".next/BUILD_ID"))) {
    const build = spawnSync(nextBin, ["build"], { cwd: projectRoot, stdio: "inherit", env: childEnv });
    if (build.error) throw new StartupError(`\`next build\` could not run: ${describeError(build.error)}. Run \`npm install\`, then start again.`);
    if (build.status !== 0) {
      throw new StartupError("The production build (`next build`) failed; its errors are printed above. Fix them and run `npm run start` again.");
    }
  }
  console.log(`Portal: http://localhost:${port}${started.sandbox ? `  ·  AWS sandbox: ${started.sandbox.url}` : ""}`);
  const hostArgs = host ? ["-H", host] : [];
  const next = spawn(nextBin, [mode, "-p", String(port), ...hostArgs], { cwd: projectRoot, stdio: "inherit", env: childEnv });
  started.next = next;
  next.on("error", (error) => {
    console.error(`\`next ${mode}\` could not run: ${describeError(error)}. Run \`npm install\`, then start again.`);
    void shutdown(1);
  });
  next.on("exit", (code) => void shutdown(code ?? 0));
}

try {
  await launch();
} catch (error) {
  if (error instanceof ConfigError) configProblems(error.problems);
  else if (error instanceof StartupError) console.error(error.message);
  else console.error(`The portal could not start: ${describeError(error)}`);
  await shutdown(1);
}
