import { describe, expect, test } from "vitest";
import { ConfigError, parseEnv, type EnvSource } from "./env";

function problemsOf(source: EnvSource): string[] {
  try {
    parseEnv(source);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

// The launcher fills in DATABASE_URL for the embedded PostgreSQL it starts.
const embedded = { BYOK_EMBEDDED: "1", DATABASE_URL: "postgresql://postgres:postgres@127.0.0.1:54329/byok" };

describe("parseEnv", () => {
  test("embedded defaults are complete and point at the sandbox", () => {
    const config = parseEnv(embedded);
    expect(config.embedded).toBe(true);
    expect(config.platformAccountId).toBe("210987654321");
    expect(config.platformRoleArn).toBe("arn:aws:iam::210987654321:role/byok-platform");
    expect(config.supportedRegions).toEqual(["eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-southeast-2"]);
    expect(config.defaultRegion).toBe("eu-west-1");
    expect(config.awsEndpoint).toBe("http://127.0.0.1:4566");
  });

  test("a real deployment must name its platform, secret and has no sandbox endpoint", () => {
    expect(problemsOf({ DATABASE_URL: "postgresql://db.internal/portal" })).toEqual([
      "PLATFORM_ACCOUNT_ID is required (the vendor's 12-digit AWS account id).",
      "PLATFORM_ROLE_ARN is required (the IAM role the platform uses on customer keys).",
      "BETTER_AUTH_SECRET is required (32 or more random characters).",
    ]);
    const config = parseEnv({
      DATABASE_URL: "postgresql://db.internal/portal",
      PLATFORM_ACCOUNT_ID: "111122223333",
      PLATFORM_ROLE_ARN: "arn:aws:iam::111122223333:role/platform",
      BETTER_AUTH_SECRET: "x".repeat(40),
    });
    expect(config.embedded).toBe(false);
    expect(config.awsEndpoint).toBeUndefined();
  });

  test("each malformed value gets its own line", () => {
    expect(
      problemsOf({
        ...embedded,
        PLATFORM_ROLE_ARN: "byok-platform",
        PLATFORM_ACCOUNT_ID: "12345",
        SUPPORTED_REGIONS: "eu-west-1,moon-base-1x",
        RESOURCE_PREFIX: "Bad_Prefix",
        AWS_ENDPOINT_URL: "not a url",
      }),
    ).toEqual([
      "PLATFORM_ACCOUNT_ID must be exactly 12 digits, e.g. 210987654321.",
      "PLATFORM_ROLE_ARN must be an IAM role ARN like arn:aws:iam::210987654321:role/byok-platform.",
      "SUPPORTED_REGIONS holds a value that is not an AWS region.",
      "RESOURCE_PREFIX must be 2-15 lower-case letters or digits, starting with a letter (it goes into bucket names, aliases and tags).",
      "AWS_ENDPOINT_URL must be an http(s) URL, e.g. http://127.0.0.1:4566.",
    ]);
  });

  test("a resource prefix AWS reserves is refused at start-up, not when a key template is rendered", () => {
    expect(problemsOf({ ...embedded, RESOURCE_PREFIX: "awsportal" })).toEqual([
      "RESOURCE_PREFIX must not start with aws: AWS reserves alias names and tag keys beginning with it.",
    ]);
  });

  test("cross-field checks: role in another account or partition, default region not offered", () => {
    expect(
      problemsOf({
        ...embedded,
        PLATFORM_ROLE_ARN: "arn:aws-cn:iam::999999999999:role/byok-platform",
        DEFAULT_REGION: "us-east-2",
      }),
    ).toEqual([
      "DEFAULT_REGION us-east-2 is not one of SUPPORTED_REGIONS (eu-west-1, eu-central-1, us-east-1, us-west-2, ap-southeast-2).",
      "PLATFORM_ROLE_ARN is in partition aws-cn but AWS_PARTITION is aws.",
      "PLATFORM_ROLE_ARN belongs to account 999999999999 but PLATFORM_ACCOUNT_ID is 210987654321.",
    ]);
  });
});

describe("TRUSTED_PROXIES", () => {
  test("defaults to 0 (the socket's address is the client's) and takes a small whole number", () => {
    expect(parseEnv(embedded).trustedProxies).toBe(0);
    expect(parseEnv({ ...embedded, TRUSTED_PROXIES: "2" }).trustedProxies).toBe(2);
  });

  test("anything else stops the start with one line", () => {
    expect(problemsOf({ ...embedded, TRUSTED_PROXIES: "yes" })).toEqual(["TRUSTED_PROXIES must be a whole number from 0 to 10."]);
    expect(problemsOf({ ...embedded, TRUSTED_PROXIES: "11" })).toEqual(["TRUSTED_PROXIES must be a whole number from 0 to 10."]);
  });
});
