/** CreateDBCluster as the portal sends it: CopyTagsToSnapshot and a master password RDS keeps in Secrets Manager. */
import { CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand } from "@aws-sdk/client-kms";
import { CreateDBClusterCommand, DescribeDBClustersCommand, ModifyDBClusterCommand } from "@aws-sdk/client-rds";
import { afterAll, beforeAll, beforeEach, expect, test } from "vitest";
import { CUSTOMER_ACCOUNT_ID } from "../../identities";
import type { RunningSandbox } from "../../server";
import { type ClientSet, awsError, clientsFor, startTestSandbox } from "../../test-support";

const REGION = "eu-west-1";
const DELAY_MS = 1000;

let sandbox: RunningSandbox;
let customer: ClientSet;
let clockMs = Date.parse("2026-06-01T00:00:00Z");

beforeAll(async () => {
  sandbox = await startTestSandbox({ rdsCreateDelayMs: DELAY_MS, now: () => new Date(clockMs) });
  customer = clientsFor(sandbox.url, "customer", REGION);
});
afterAll(async () => sandbox.close());
beforeEach(() => sandbox.reset());

const SECRET_ARN = new RegExp(`^arn:aws:secretsmanager:${REGION}:${CUSTOMER_ACCOUNT_ID}:secret:rds!cluster-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-[A-Za-z0-9]{6}$`);

test("ManageMasterUserPassword: a secret under the aws/secretsmanager key, creating then active; CopyTagsToSnapshot as sent", async () => {
  const created = await customer.rds.send(
    new CreateDBClusterCommand({ DBClusterIdentifier: "byok-env", Engine: "aurora-postgresql", MasterUsername: "byok", ManageMasterUserPassword: true, CopyTagsToSnapshot: true, StorageEncrypted: false }),
  );
  const managedKey = await customer.kms.send(new DescribeKeyCommand({ KeyId: "alias/aws/secretsmanager" }));
  expect(managedKey.KeyMetadata?.KeyManager).toBe("AWS");
  expect(created.DBCluster?.CopyTagsToSnapshot).toBe(true);
  const secret = created.DBCluster?.MasterUserSecret;
  expect(secret).toEqual({ SecretArn: expect.stringMatching(SECRET_ARN), SecretStatus: "creating", KmsKeyId: managedKey.KeyMetadata?.Arn });

  clockMs += DELAY_MS;
  const described = (await customer.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: "byok-env" }))).DBClusters?.[0];
  expect(described).toMatchObject({ Status: "available", CopyTagsToSnapshot: true, MasterUserSecret: { SecretArn: secret?.SecretArn, SecretStatus: "active" } });

  const modified = await customer.rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: "byok-env", CopyTagsToSnapshot: false, ApplyImmediately: true }));
  expect(modified.DBCluster?.CopyTagsToSnapshot).toBe(false);
});

test("MasterUserSecretKmsKeyId names the key the secret is encrypted under, by alias or ARN; a missing key is refused", async () => {
  const key = await customer.kms.send(new CreateKeyCommand({}));
  await customer.kms.send(new CreateAliasCommand({ AliasName: "alias/byok-secrets", TargetKeyId: key.KeyMetadata?.KeyId }));
  const created = await customer.rds.send(
    new CreateDBClusterCommand({ DBClusterIdentifier: "byok-env", Engine: "aurora-postgresql", MasterUsername: "byok", ManageMasterUserPassword: true, MasterUserSecretKmsKeyId: "alias/byok-secrets" }),
  );
  expect(created.DBCluster?.MasterUserSecret?.KmsKeyId).toBe(key.KeyMetadata?.Arn);
  expect(created.DBCluster?.CopyTagsToSnapshot).toBe(false);

  const missing = await awsError(() =>
    customer.rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: "byok-other", Engine: "aurora-postgresql", MasterUsername: "byok", ManageMasterUserPassword: true, MasterUserSecretKmsKeyId: "alias/none" })),
  );
  expect(missing.name).toBe("KMSKeyNotAccessibleFault");
});

test("a password and ManageMasterUserPassword together are refused; a password alone makes no secret", async () => {
  const both = await awsError(() =>
    customer.rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: "byok-env", Engine: "aurora-postgresql", MasterUsername: "byok", MasterUserPassword: "secret-password", ManageMasterUserPassword: true })),
  );
  expect(both).toMatchObject({ name: "InvalidParameterCombination", status: 400 });
  const created = await customer.rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: "byok-env", Engine: "aurora-postgresql", MasterUsername: "byok", MasterUserPassword: "secret-password" }));
  expect(created.DBCluster?.MasterUserSecret).toBeUndefined();
});
