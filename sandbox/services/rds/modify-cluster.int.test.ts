/** RDS ModifyDBCluster as the portal uses it: lift deletion protection, then delete the cluster. */
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { CreateDBClusterCommand, DeleteDBClusterCommand, DescribeDBClustersCommand, ModifyDBClusterCommand } from "@aws-sdk/client-rds";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, beforeEach, expect, test } from "vitest";
import { CUSTOMER_ACCOUNT_ID } from "../../identities";
import type { RunningSandbox } from "../../server";
import { type ClientSet, awsError, clientsFor, clientsWithCredentials, startTestSandbox } from "../../test-support";

const REGION = "eu-west-1";

let sandbox: RunningSandbox;
let customer: ClientSet;

beforeAll(async () => {
  sandbox = await startTestSandbox({ rdsCreateDelayMs: 1000 });
  customer = clientsFor(sandbox.url, "customer", REGION);
});
afterAll(async () => sandbox.close());
beforeEach(() => sandbox.reset());

async function untilAvailable(identifier: string): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    const cluster = (await customer.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifier }))).DBClusters?.[0];
    if (cluster?.Status === "available") return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${identifier} never became available`);
}

test("a protected cluster is refused deletion until ModifyDBCluster lifts the protection", async () => {
  const create = { DBClusterIdentifier: "byok-env", Engine: "aurora-postgresql", MasterUsername: "byok", MasterUserPassword: "secret-password", DeletionProtection: true, StorageEncrypted: false };
  await customer.rds.send(new CreateDBClusterCommand(create));
  const creating = await awsError(() => customer.rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: "byok-env", DeletionProtection: false, ApplyImmediately: true })));
  expect(creating).toMatchObject({ name: "InvalidDBClusterStateFault", message: "DB cluster byok-env is not available for modification with status creating." });
  await untilAvailable("byok-env");

  const protectedError = await awsError(() => customer.rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: "byok-env", SkipFinalSnapshot: true })));
  expect(protectedError.name).toBe("InvalidParameterCombination");

  const modified = await customer.rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: "byok-env", DeletionProtection: false, ApplyImmediately: true }));
  expect(modified.DBCluster).toMatchObject({ DBClusterIdentifier: "byok-env", DeletionProtection: false, Status: "available" });
  const deleted = await customer.rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: "byok-env", SkipFinalSnapshot: true }));
  expect(deleted.DBCluster?.Status).toBe("deleting");

  const missing = await awsError(() => customer.rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: "nope", DeletionProtection: false })));
  expect(missing).toMatchObject({ name: "DBClusterNotFoundFault", message: "DBCluster nope not found." });
});

test("ModifyDBCluster needs rds:ModifyDBCluster on the cluster", async () => {
  await customer.rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: "guarded", Engine: "aurora-postgresql", MasterUsername: "byok", MasterUserPassword: "secret-password", DeletionProtection: true }));
  await untilAvailable("guarded");
  const iam = new IAMClient({ region: "us-east-1", endpoint: sandbox.url, credentials: { accessKeyId: "customer", secretAccessKey: "customer" }, maxAttempts: 1 });
  const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: CUSTOMER_ACCOUNT_ID }, Action: "sts:AssumeRole" }] };
  await iam.send(new CreateRoleCommand({ RoleName: "rds-reader", AssumeRolePolicyDocument: JSON.stringify(trust) }));
  const readOnly = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "rds:DescribeDBClusters", Resource: "*" }] };
  await iam.send(new PutRolePolicyCommand({ RoleName: "rds-reader", PolicyName: "read", PolicyDocument: JSON.stringify(readOnly) }));
  const out = await customer.sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${CUSTOMER_ACCOUNT_ID}:role/rds-reader`, RoleSessionName: "reader" }));
  const c = out.Credentials;
  const reader = clientsWithCredentials(sandbox.url, { accessKeyId: c?.AccessKeyId ?? "", secretAccessKey: c?.SecretAccessKey ?? "", sessionToken: c?.SessionToken }, REGION);
  const denied = await awsError(() => reader.rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: "guarded", DeletionProtection: false })));
  expect(denied).toMatchObject({ name: "AccessDenied", status: 403 });
  expect(denied.message).toContain(`rds:ModifyDBCluster on resource: arn:aws:rds:${REGION}:${CUSTOMER_ACCOUNT_ID}:cluster:guarded`);
});
