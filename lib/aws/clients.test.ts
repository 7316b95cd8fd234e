import { afterEach, beforeAll, expect, test } from "vitest";
import { AWS_MAX_ATTEMPTS, AWS_REQUEST_TIMEOUT_MS, awsClients, destroyAwsClients } from "./clients";

beforeAll(() => {
  // env() is parsed once per test file; no database is used here, only its URL must parse.
  Object.assign(process.env, { BYOK_EMBEDDED: "1", DATABASE_URL: "postgresql://unused@127.0.0.1:1/unused", AWS_ENDPOINT_URL: "http://127.0.0.1:4599" });
});

afterEach(() => destroyAwsClients());

test("every client uses the configured endpoint, the region asked for, standard retries and a bounded number of attempts", async () => {
  const clients = awsClients("eu-central-1");
  for (const client of [clients.s3, clients.rds, clients.kms, clients.sts]) {
    expect(await client.config.region()).toBe("eu-central-1");
    expect(await client.config.maxAttempts()).toBe(AWS_MAX_ATTEMPTS);
    expect(AWS_MAX_ATTEMPTS).toBeGreaterThan(3);
    // A hung connection must end as a (temporary) timeout, never hang a step.
    expect(client.config.requestHandler).toMatchObject({ configProvider: expect.anything() });
    const handlerConfig = await (client.config.requestHandler as unknown as { configProvider: Promise<{ requestTimeout?: number }> }).configProvider;
    expect(handlerConfig.requestTimeout).toBe(AWS_REQUEST_TIMEOUT_MS);
    expect((await client.config.retryStrategy()).constructor.name).toBe("StandardRetryStrategy");
    expect(await client.config.endpoint?.()).toMatchObject({ hostname: "127.0.0.1", port: 4599, protocol: "http:" });
  }
  // Buckets by path on a custom endpoint: no wildcard DNS to the sandbox.
  expect(clients.s3.config.forcePathStyle).toBe(true);
});

test("clients are built once per region and rebuilt after destroy", () => {
  const first = awsClients("us-east-1");
  expect(awsClients("us-east-1")).toBe(first);
  expect(awsClients("us-west-2")).not.toBe(first);
  destroyAwsClients();
  expect(awsClients("us-east-1")).not.toBe(first);
});
