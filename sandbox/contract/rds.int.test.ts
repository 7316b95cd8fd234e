/** RDS answers against @aws-sdk/client-rds's model, for the cluster operations the portal calls. */
import { CreateKeyCommand, DisableKeyCommand, EnableKeyCommand } from "@aws-sdk/client-kms";
import { CreateDBClusterCommand, DeleteDBClusterCommand, DescribeDBClustersCommand, ModifyDBClusterCommand, StartDBClusterCommand } from "@aws-sdk/client-rds";
import { afterAll, beforeAll, beforeEach, expect, test } from "vitest";
import type { RunningSandbox } from "../server";
import { startTestSandbox } from "../test-support";
import { expectContract } from "./models";
import { type RecordingClients, recordingClients } from "./recording";

const REGION = "eu-west-1";
const DELAY_MS = 1000;

let sandbox: RunningSandbox;
let customer: RecordingClients;
let clockMs = Date.parse("2026-06-01T00:00:00Z");
let keyArn: string;

beforeAll(async () => {
  sandbox = await startTestSandbox({ rdsCreateDelayMs: DELAY_MS, rdsKeyLossDelayMs: DELAY_MS, now: () => new Date(clockMs) });
  customer = recordingClients(sandbox.url, "customer", REGION);
});
afterAll(async () => sandbox.close());
beforeEach(async () => {
  sandbox.reset();
  keyArn = (await customer.kms.send(new CreateKeyCommand({}))).KeyMetadata?.Arn ?? "";
});

const rds = <T>(operation: string, call: () => Promise<T>) => expectContract(customer.handler, "rds", operation, call);

/** The cluster as the portal creates it: encrypted with the customer's key, password in Secrets Manager. */
const portalCluster = (identifier: string) =>
  new CreateDBClusterCommand({
    DBClusterIdentifier: identifier,
    Engine: "aurora-postgresql",
    MasterUsername: "byok",
    ManageMasterUserPassword: true,
    StorageEncrypted: true,
    KmsKeyId: keyArn,
    CopyTagsToSnapshot: true,
    DeletionProtection: true,
    Tags: [{ Key: "byok-environment", Value: "env-1" }],
  });

test("CreateDBCluster and DescribeDBClusters (creating, then available)", async () => {
  const created = await rds("CreateDBCluster", () => customer.rds.send(portalCluster("byok-env-1")));
  expect(created.DBCluster).toMatchObject({ CopyTagsToSnapshot: true, MasterUserSecret: { SecretStatus: "creating" } });
  await rds("DescribeDBClusters", () => customer.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: "byok-env-1" })));
  clockMs += DELAY_MS;
  const described = await rds("DescribeDBClusters", () => customer.rds.send(new DescribeDBClustersCommand({})));
  expect(described.DBClusters?.[0]).toMatchObject({ Status: "available", MasterUserSecret: { SecretStatus: "active" } });
});

test("ModifyDBCluster and DeleteDBCluster", async () => {
  await customer.rds.send(portalCluster("byok-env-2"));
  clockMs += DELAY_MS;
  await rds("ModifyDBCluster", () => customer.rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: "byok-env-2", DeletionProtection: false, ApplyImmediately: true })));
  await rds("DeleteDBCluster", () => customer.rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: "byok-env-2", SkipFinalSnapshot: true })));
});

test("StartDBCluster after the key came back, and DescribeDBClusters while inaccessible", async () => {
  await customer.rds.send(portalCluster("byok-env-3"));
  clockMs += DELAY_MS;
  await customer.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: "byok-env-3" }));
  await customer.kms.send(new DisableKeyCommand({ KeyId: keyArn }));
  clockMs += DELAY_MS;
  const lost = await rds("DescribeDBClusters", () => customer.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: "byok-env-3" })));
  expect(lost.DBClusters?.[0]?.Status).toBe("inaccessible-encryption-credentials-recoverable");
  await customer.kms.send(new EnableKeyCommand({ KeyId: keyArn }));
  await rds("StartDBCluster", () => customer.rds.send(new StartDBClusterCommand({ DBClusterIdentifier: "byok-env-3" })));
});
