import "server-only";
import { z } from "zod";
// The same shapes and rules the BYOK core checks before rendering policies, templates and
// commands, so a configuration that starts can always be rendered.
import { accountIdPattern, iamRoleArnPattern, partitionPattern, platformRoleArnProblems, resourcePrefixPattern } from "./byok/values";
import { cliEndpointUrlPattern } from "./byok/commands";

/**
 * The vendor's configuration, parsed once. Embedded defaults (local PostgreSQL and
 * the AWS sandbox) apply only when DATABASE_URL is unset or BYOK_EMBEDDED=1; a real
 * deployment must name its platform account, role and auth secret explicitly.
 */

export const SANDBOX_PLATFORM_ACCOUNT_ID = "210987654321";
export const SANDBOX_PLATFORM_ROLE_ARN = "arn:aws:iam::210987654321:role/byok-platform";
export const SANDBOX_ENDPOINT = "http://127.0.0.1:4566";
const DEFAULT_REGIONS = "eu-west-1,eu-central-1,us-east-1,us-west-2,ap-southeast-2";
const EMBEDDED_AUTH_SECRET = "embedded-defaults-only-never-use-this-secret-in-production";

// Stricter than the BYOK core's region shape (one trailing digit), so every configured region renders.
const regionPattern = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

const optional = (value: string | undefined) =>
  value === undefined || value.trim() === "" ? undefined : value.trim();

/** A whole number read from an environment variable (already defaulted), within bounds. */
const wholeNumber = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number from ${min} to ${max}.`)
    .transform(Number)
    .refine((value) => value >= min && value <= max, `${name} must be a whole number from ${min} to ${max}.`);

const envSchema = z
  .object({
    embedded: z.boolean(),
    platformAccountId: z
      .string({ error: "PLATFORM_ACCOUNT_ID is required (the vendor's 12-digit AWS account id)." })
      .regex(accountIdPattern, "PLATFORM_ACCOUNT_ID must be exactly 12 digits, e.g. 210987654321."),
    platformRoleArn: z
      .string({ error: "PLATFORM_ROLE_ARN is required (the IAM role the platform uses on customer keys)." })
      .regex(
        iamRoleArnPattern,
        "PLATFORM_ROLE_ARN must be an IAM role ARN like arn:aws:iam::210987654321:role/byok-platform.",
      ),
    partition: z
      .string()
      .regex(partitionPattern, "AWS_PARTITION must be an AWS partition such as aws, aws-us-gov or aws-cn."),
    supportedRegions: z
      .array(z.string().regex(regionPattern, "SUPPORTED_REGIONS holds a value that is not an AWS region."))
      .min(1, "SUPPORTED_REGIONS must list at least one region."),
    defaultRegion: z.string(),
    brandName: z
      .string()
      .min(1, "BRAND_NAME must not be empty.")
      .max(60, "BRAND_NAME must be at most 60 characters."),
    resourcePrefix: z
      .string()
      .regex(
        resourcePrefixPattern,
        "RESOURCE_PREFIX must be 2-15 lower-case letters or digits, starting with a letter (it goes into bucket names, aliases and tags).",
      )
      .refine((prefix) => !prefix.startsWith("aws"), "RESOURCE_PREFIX must not start with aws: AWS reserves alias names and tag keys beginning with it."),
    awsEndpoint: z
      .url({ error: "AWS_ENDPOINT_URL must be an http(s) URL, e.g. http://127.0.0.1:4566." })
      .optional(),
    /**
     * Sandbox mode only (AWS_ENDPOINT_URL set): the sandbox as the customer's shell reaches it,
     * put into every displayed AWS CLI command as `--endpoint-url`. Unset against real AWS.
     */
    cliEndpointUrl: z.string().optional(),
    databaseUrl: z
      .string({ error: "DATABASE_URL is required." })
      .regex(/^postgres(ql)?:\/\//, "DATABASE_URL must be a postgresql:// connection string."),
    authSecret: z
      .string({ error: "BETTER_AUTH_SECRET is required (32 or more random characters)." })
      .min(32, "BETTER_AUTH_SECRET must be at least 32 characters."),
    appUrl: z.url({ error: "BETTER_AUTH_URL must be the portal's public URL, e.g. https://portal.example.com." }),
    databasePoolSize: wholeNumber("DATABASE_POOL_SIZE", 2, 200),
    provisioningConcurrency: wholeNumber("PROVISIONING_CONCURRENCY", 1, 100),
    provisioningPoolSize: wholeNumber("PROVISIONING_DATABASE_POOL_SIZE", 2, 200),
    provisioningRetryBudgetSeconds: wholeNumber("PROVISIONING_RETRY_BUDGET_SECONDS", 1, 24 * 60 * 60),
    trustedProxies: wholeNumber("TRUSTED_PROXIES", 0, 10),
    keyHealthIntervalSeconds: wholeNumber("KEY_HEALTH_INTERVAL_SECONDS", 10, 24 * 60 * 60),
    keyHealthConcurrency: wholeNumber("KEY_HEALTH_CONCURRENCY", 1, 100),
    keyHealthRatePerSecond: wholeNumber("KEY_HEALTH_RATE_PER_SECOND", 1, 1000),
    /** Lets alert webhooks use plain http to 127.0.0.1/localhost: tests' local receivers only. */
    webhookAllowLoopbackHttp: z.boolean(),
  })
  .superRefine((env, ctx) => {
    if (env.cliEndpointUrl !== undefined && env.awsEndpoint === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["cliEndpointUrl"],
        message: "SANDBOX_CLI_ENDPOINT_URL applies only with AWS_ENDPOINT_URL (the sandbox); against real AWS the commands need no endpoint, so unset it.",
      });
    } else if (env.cliEndpointUrl !== undefined && !cliEndpointUrlPattern.test(env.cliEndpointUrl)) {
      ctx.addIssue({
        code: "custom",
        path: ["cliEndpointUrl"],
        message:
          "SANDBOX_CLI_ENDPOINT_URL (default: AWS_ENDPOINT_URL) must be an http(s) URL with a host, an optional port and path and nothing else, e.g. http://127.0.0.1:4566: it is shown in the commands customers paste.",
      });
    }
    if (!env.supportedRegions.includes(env.defaultRegion)) {
      ctx.addIssue({
        code: "custom",
        path: ["defaultRegion"],
        message: `DEFAULT_REGION ${env.defaultRegion} is not one of SUPPORTED_REGIONS (${env.supportedRegions.join(", ")}).`,
      });
    }
    // A malformed role ARN or account id has its own message above.
    for (const role of platformRoleArnProblems(env.platformRoleArn, env)) {
      if (role.problem === "partition") {
        ctx.addIssue({
          code: "custom",
          path: ["platformRoleArn"],
          message: `PLATFORM_ROLE_ARN is in partition ${role.partition} but AWS_PARTITION is ${env.partition}.`,
        });
      }
      if (role.problem === "account" && accountIdPattern.test(env.platformAccountId)) {
        ctx.addIssue({
          code: "custom",
          path: ["platformRoleArn"],
          message: `PLATFORM_ROLE_ARN belongs to account ${role.accountId} but PLATFORM_ACCOUNT_ID is ${env.platformAccountId}.`,
        });
      }
    }
  });

export type PortalEnv = z.infer<typeof envSchema>;
export type EnvSource = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export function isEmbedded(source: EnvSource = process.env): boolean {
  return source.BYOK_EMBEDDED === "1" || optional(source.DATABASE_URL) === undefined;
}

const portalEndpoint = (value: string | undefined) => (value !== undefined && URL.canParse(value) ? value : undefined);

/** Parses a set of environment variables; throws ConfigError with one line per problem. */
export function parseEnv(source: EnvSource = process.env): PortalEnv {
  const embedded = isEmbedded(source);
  const pick = (name: string, embeddedDefault?: string) =>
    optional(source[name]) ?? (embedded ? embeddedDefault : undefined);
  const raw = {
    embedded,
    platformAccountId: pick("PLATFORM_ACCOUNT_ID", SANDBOX_PLATFORM_ACCOUNT_ID),
    platformRoleArn: pick("PLATFORM_ROLE_ARN", SANDBOX_PLATFORM_ROLE_ARN),
    partition: optional(source.AWS_PARTITION) ?? "aws",
    supportedRegions: (optional(source.SUPPORTED_REGIONS) ?? DEFAULT_REGIONS)
      .split(",")
      .map((r) => r.trim())
      .filter((r) => r !== ""),
    defaultRegion: optional(source.DEFAULT_REGION) ?? "eu-west-1",
    brandName: optional(source.BRAND_NAME) ?? "Stratus Cloud",
    resourcePrefix: optional(source.RESOURCE_PREFIX) ?? "stratus",
    awsEndpoint: pick("AWS_ENDPOINT_URL", SANDBOX_ENDPOINT),
    // Normally the same URL as the portal's; different when the portal reaches the sandbox by
    // another name than the customer's shell does (a container network, a proxy).
    // (A malformed AWS_ENDPOINT_URL has its own message, and is no default.)
    cliEndpointUrl: optional(source.SANDBOX_CLI_ENDPOINT_URL) ?? portalEndpoint(pick("AWS_ENDPOINT_URL", SANDBOX_ENDPOINT)),
    databaseUrl: optional(source.DATABASE_URL),
    authSecret: pick("BETTER_AUTH_SECRET", EMBEDDED_AUTH_SECRET),
    appUrl: optional(source.BETTER_AUTH_URL) ?? `http://localhost:${optional(source.PORT) ?? "3000"}`,
    // Sized for a 2-core box: web requests and the provisioning worker each get their own
    // pool, so a burst of provisioning runs never makes a request wait for a connection.
    databasePoolSize: optional(source.DATABASE_POOL_SIZE) ?? "15",
    provisioningConcurrency: optional(source.PROVISIONING_CONCURRENCY) ?? "16",
    provisioningPoolSize: optional(source.PROVISIONING_DATABASE_POOL_SIZE) ?? "12",
    provisioningRetryBudgetSeconds: optional(source.PROVISIONING_RETRY_BUDGET_SECONDS) ?? "900",
    // How many reverse proxies in front of the portal append to X-Forwarded-For; 0 = the
    // portal faces the clients and the socket's address is the client's.
    trustedProxies: optional(source.TRUSTED_PROXIES) ?? "0",
    // Every BYOK environment's keys are checked this often (jittered); KMS calls per key and
    // account stay far below KMS's request quotas (see npm run bench:health).
    keyHealthIntervalSeconds: optional(source.KEY_HEALTH_INTERVAL_SECONDS) ?? "300",
    keyHealthConcurrency: optional(source.KEY_HEALTH_CONCURRENCY) ?? "8",
    // Checks started per second per customer account and Region (each check makes about 6 AWS calls).
    keyHealthRatePerSecond: optional(source.KEY_HEALTH_RATE_PER_SECOND) ?? "5",
    webhookAllowLoopbackHttp: source.WEBHOOK_ALLOW_LOOPBACK_HTTP === "1",
  };
  const parsed = envSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError([...new Set(parsed.error.issues.map((issue) => issue.message))]);
  }
  return parsed.data;
}

let cached: PortalEnv | undefined;

/** The configuration of this process, parsed on first use. */
export function env(): PortalEnv {
  cached ??= parseEnv();
  return cached;
}
