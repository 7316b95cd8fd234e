import { describe, expect, test } from "vitest";
import { ConfigError, parseEnv, type EnvSource } from "@/lib/env";

/** SANDBOX_CLI_ENDPOINT_URL: the sandbox as the customer's shell reaches it, for `--endpoint-url` in displayed commands. */

const embedded = { BYOK_EMBEDDED: "1", DATABASE_URL: "postgresql://postgres:postgres@127.0.0.1:54329/byok" };
const realAws = {
  DATABASE_URL: "postgresql://db.internal/portal",
  PLATFORM_ACCOUNT_ID: "111122223333",
  PLATFORM_ROLE_ARN: "arn:aws:iam::111122223333:role/platform",
  BETTER_AUTH_SECRET: "x".repeat(40),
};

function problemsOf(source: EnvSource): string[] {
  try {
    parseEnv(source);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("SANDBOX_CLI_ENDPOINT_URL", () => {
  test("defaults to the portal's own AWS endpoint in sandbox mode", () => {
    expect(parseEnv(embedded).cliEndpointUrl).toBe("http://127.0.0.1:4566");
    expect(parseEnv({ ...embedded, AWS_ENDPOINT_URL: "http://127.0.0.1:4671" }).cliEndpointUrl).toBe("http://127.0.0.1:4671");
  });

  test("names another address when the customer's shell reaches the sandbox differently", () => {
    const config = parseEnv({ ...embedded, AWS_ENDPOINT_URL: "http://sandbox:4566", SANDBOX_CLI_ENDPOINT_URL: "http://localhost:4566" });
    expect(config.awsEndpoint).toBe("http://sandbox:4566");
    expect(config.cliEndpointUrl).toBe("http://localhost:4566");
  });

  test("is unset against real AWS, and refused there", () => {
    expect(parseEnv(realAws).cliEndpointUrl).toBeUndefined();
    expect(problemsOf({ ...realAws, SANDBOX_CLI_ENDPOINT_URL: "http://127.0.0.1:4566" })).toEqual([
      "SANDBOX_CLI_ENDPOINT_URL applies only with AWS_ENDPOINT_URL (the sandbox); against real AWS the commands need no endpoint, so unset it.",
    ]);
  });

  test.each(["http://127.0.0.1:4566;reboot", "http://127.0.0.1:4566 --debug", "http://user:secret@127.0.0.1:4566", "http://[::1]:4566", "ftp://127.0.0.1"])(
    "%j cannot go into a pasted command: the portal does not start",
    (url) => {
      const message =
        "SANDBOX_CLI_ENDPOINT_URL (default: AWS_ENDPOINT_URL) must be an http(s) URL with a host, an optional port and path and nothing else, e.g. http://127.0.0.1:4566: it is shown in the commands customers paste.";
      expect(problemsOf({ ...embedded, SANDBOX_CLI_ENDPOINT_URL: url })).toContain(message);
      // A portal endpoint that is a fine URL for the SDK but not for a shell needs the setting.
      if (url.startsWith("http://user")) expect(problemsOf({ ...embedded, AWS_ENDPOINT_URL: url })).toContain(message);
    },
  );
});
