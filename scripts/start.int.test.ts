import { spawnSync } from "node:child_process";
import path from "node:path";
import { expect, test } from "vitest";
import { projectRoot } from "./lib/database";

test("the launcher refuses to start on a malformed platform role ARN, one clear line per problem", () => {
  const result = spawnSync(path.join(projectRoot, "node_modules/.bin/tsx"), ["scripts/start.ts", "start"], {
    cwd: projectRoot,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, DATABASE_URL: "", PLATFORM_ROLE_ARN: "arn:aws:iam::210987654321:user/not-a-role", PORT: "3999" },
  });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain("The portal did not start because of its configuration:");
  expect(result.stderr).toContain(
    "  - PLATFORM_ROLE_ARN must be an IAM role ARN like arn:aws:iam::210987654321:role/byok-platform.",
  );
  // Nothing was started: no database, no server.
  expect(result.stdout).not.toContain("Portal:");
});
