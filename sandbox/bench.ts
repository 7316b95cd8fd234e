/**
 * KMS GenerateDataKey throughput with policy evaluation, through the real SDK client:
 * the platform (a role session tagged with its environment) calls a customer key whose policy
 * holds the portal's S3 statement.
 * Usage: npx tsx sandbox/bench.ts [seconds per run, default 3]
 */
import { CreateKeyCommand, GenerateDataKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { startSandbox } from "./server";
import { platformSession } from "./test-support";

const ENVIRONMENT_ID = "0f3c6b2e-8d1a-4c5e-9b7f-2a6d8e4c1f90";

const seconds = Number(process.argv[2] ?? 3);
const region = "eu-west-1";
const policy = {
  Version: "2012-10-17",
  Statement: [
    { Sid: "Enable IAM User Permissions", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" },
    {
      Sid: "AllowPlatformUse",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::210987654321:role/byok-platform" },
      Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: {
        StringEquals: { "aws:PrincipalAccount": "210987654321", "aws:PrincipalTag/byok-environment": ENVIRONMENT_ID },
        StringLike: { "kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::bench-*", "arn:aws:s3:::bench-*/*"] },
      },
    },
  ],
};

function client(url: string, identity: string): KMSClient {
  return new KMSClient({ region, endpoint: url, credentials: { accessKeyId: identity, secretAccessKey: identity }, maxAttempts: 1 });
}

const sandbox = await startSandbox({ port: 0 });
try {
  const created = await client(sandbox.url, "customer").send(new CreateKeyCommand({ Policy: JSON.stringify(policy) }));
  const keyId = created.KeyMetadata?.Arn ?? "";
  for (const concurrency of [1, 32]) {
    const clients = await Promise.all(Array.from({ length: concurrency }, async () => (await platformSession(sandbox.url, ENVIRONMENT_ID, region)).kms));
    const deadline = Date.now() + seconds * 1000;
    let calls = 0;
    const started = Date.now();
    await Promise.all(
      clients.map(async (kms, i) => {
        while (Date.now() < deadline) {
          await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: "AES_256", EncryptionContext: { "aws:s3:arn": `arn:aws:s3:::bench-${i}/object` } }));
          calls += 1;
        }
      }),
    );
    const rate = calls / ((Date.now() - started) / 1000);
    process.stdout.write(`GenerateDataKey, ${concurrency} concurrent client${concurrency === 1 ? "" : "s"}: ${rate.toFixed(0)} calls/s\n`);
    for (const kms of clients) kms.destroy();
  }
} finally {
  await sandbox.close();
}
