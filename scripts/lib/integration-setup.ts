/**
 * Vitest global setup for the integration project: a real PostgreSQL server for the
 * run (DATABASE_URL's server when set, else an embedded one under .data/test-pg).
 */
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "./embedded-postgres";
import { projectRoot } from "./database";
import { portSetting } from "./startup";

declare module "vitest" {
  export interface ProvidedContext {
    databaseAdminUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const configured = process.env.TEST_DATABASE_ADMIN_URL ?? process.env.DATABASE_URL;
  if (configured) {
    project.provide("databaseAdminUrl", configured);
    return;
  }
  const server = await startEmbeddedPostgres({
    dataDir: path.join(projectRoot, ".data/test-pg"),
    port: portSetting("TEST_PG_PORT", 54339),
    portSetting: "TEST_PG_PORT",
    log: (line) => process.stderr.write(`[test postgres] ${line}\n`),
  });
  project.provide("databaseAdminUrl", server.url("postgres"));
  return async () => {
    await server.stop();
  };
}
