import "server-only";
import { DescribeDBClustersCommand } from "@aws-sdk/client-rds";
import { recordCustomerAction } from "@/lib/audit/record";
import type { CustomerCaller } from "@/lib/auth/caller";
import { CHECK_PATIENCE, environmentAwsClients } from "@/lib/aws/environment-session";
import { normalizeAwsError } from "@/lib/aws/errors";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { clusterIdentifier } from "@/lib/provisioning/names";
import { checkKeyArns } from "./draft";
import { getEnvironment } from "./get-environment";
import { AWS_UNAVAILABLE_MESSAGE } from "./key-checks";
import { checkRoleKey } from "./role-access";
import type { KeyArnsSubmission, RoleKeySubmission } from "./schemas";

/**
 * Change key ARNs (F3): a customer-managed environment whose provisioning failed gets other
 * keys, checked exactly as at the wizard's key-ARN step; the customer then retries.
 *
 * Nothing made with the old key is kept under the new one by mistake: the retry re-runs the
 * object-storage step when the S3 key changed (its resume check compares each bucket's default
 * encryption with the environment's key, and the step rewrites its first objects with the new
 * key), and an Aurora cluster cannot change its key, so the RDS key can change only while no
 * cluster exists for the environment.
 */

export const NOT_FAILED_MESSAGE = "Key ARNs can be changed only while the environment's provisioning has failed.";
export const UNCHANGED_MESSAGE = "These are the key ARNs this environment already uses: change at least one of them.";
export const CLUSTER_EXISTS_MESSAGE =
  "The environment's database was already created with the current RDS key, and a database cannot be moved to another key. Fix the current key instead (the failure panel shows how), or delete this environment and create a new one.";

export interface KeyArnsChanged {
  environmentId: string;
  changed: Array<"s3KeyArn" | "rdsKeyArn">;
  warnings: string[];
}

/** Whether the environment's Aurora cluster exists (only then is its key fixed). */
async function clusterExists(environment: { id: string; region: string }): Promise<boolean> {
  const rds = environmentAwsClients(environment.region, environment.id, CHECK_PATIENCE).rds;
  try {
    const out = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterIdentifier(env().resourcePrefix, environment.id) }));
    return (out.DBClusters?.length ?? 0) > 0;
  } catch (error) {
    if (normalizeAwsError(error, "rds").code === "DBClusterNotFoundFault") return false;
    throw new AppError("INTERNAL", AWS_UNAVAILABLE_MESSAGE);
  }
}

export async function changeKeyArns(caller: CustomerCaller, input: KeyArnsSubmission): Promise<KeyArnsChanged> {
  const environment = await getEnvironment(caller, input);
  if (environment.encryptionMode !== "CUSTOMER_MANAGED" || environment.keyAccess !== "KEY_POLICY") throw new AppError("NOT_FOUND");
  if (environment.status !== "FAILED") throw new AppError("CONFLICT", NOT_FAILED_MESSAGE);
  const { keys, warnings } = await checkKeyArns(caller, environment, input, "environment.key_arns_change_rejected");
  const changed = (["s3KeyArn", "rdsKeyArn"] as const).filter((field) => keys[field] !== environment[field]);
  if (changed.length === 0) throw new AppError("VALIDATION", UNCHANGED_MESSAGE, { fieldErrors: { s3KeyArn: [UNCHANGED_MESSAGE] } });
  if (changed.includes("rdsKeyArn") && (await clusterExists(environment))) {
    throw new AppError("CONFLICT", CLUSTER_EXISTS_MESSAGE, { fieldErrors: { rdsKeyArn: [CLUSTER_EXISTS_MESSAGE] } });
  }

  return db().$transaction(async (tx) => {
    // The row lock orders this change against a retry or another change of the same environment.
    const locked = await tx.$queryRaw<Array<{ status: string; s3KeyArn: string | null; rdsKeyArn: string | null }>>`
      SELECT status::text AS status, "s3KeyArn", "rdsKeyArn" FROM environment
       WHERE id = ${environment.id}::uuid AND "organizationId" = ${caller.organizationId} FOR UPDATE`;
    const row = locked[0];
    if (!row) throw new AppError("NOT_FOUND");
    if (row.status !== "FAILED") throw new AppError("CONFLICT", NOT_FAILED_MESSAGE);
    if (row.s3KeyArn !== environment.s3KeyArn || row.rdsKeyArn !== environment.rdsKeyArn) {
      throw new AppError("CONFLICT", "The key ARNs changed while yours were being checked. Reload the page and try again.");
    }
    await tx.environment.update({ where: { id: environment.id }, data: { s3KeyArn: keys.s3KeyArn, rdsKeyArn: keys.rdsKeyArn } });
    // Last in the transaction: audit appends are serialized until commit (lib/audit).
    await recordCustomerAction(tx, caller, {
      environmentId: environment.id,
      action: "environment.key_arns_changed",
      details: { from: { s3KeyArn: environment.s3KeyArn, rdsKeyArn: environment.rdsKeyArn }, to: keys, changed, warnings },
    });
    return { environmentId: environment.id, changed: [...changed], warnings };
  });
}

export interface RoleKeyChanged {
  environmentId: string;
  changed: Array<"roleArn" | "keyArn" | "logGroupArn" | "logRoleArn">;
  warnings: string[];
}

/**
 * Role mode's change (F8): a failed role-mode environment gets another role, key or log
 * forwarding, checked live as at the wizard's step. A new key also drops the wrapped data key
 * (it was made under the old key): the retry makes a new one and rewrites the storage's first
 * objects with it (their resume check no longer opens them with the new key).
 */
export async function changeRoleKey(caller: CustomerCaller, input: RoleKeySubmission): Promise<RoleKeyChanged> {
  const environment = await getEnvironment(caller, input);
  if (environment.encryptionMode !== "CUSTOMER_MANAGED" || environment.keyAccess !== "ROLE") throw new AppError("NOT_FOUND");
  if (environment.status !== "FAILED") throw new AppError("CONFLICT", NOT_FAILED_MESSAGE);
  const checked = await checkRoleKey(caller, environment, input, "environment.key_arns_change_rejected");
  const before = { roleArn: environment.roleArn, keyArn: environment.s3KeyArn, logGroupArn: environment.logGroupArn, logRoleArn: environment.logRoleArn };
  const after = { roleArn: checked.roleArn, keyArn: checked.keyArn, logGroupArn: checked.logGroupArn, logRoleArn: checked.logRoleArn };
  const changed = (["roleArn", "keyArn", "logGroupArn", "logRoleArn"] as const).filter((field) => before[field] !== after[field]);
  if (changed.length === 0) throw new AppError("VALIDATION", UNCHANGED_MESSAGE, { fieldErrors: { roleArn: [UNCHANGED_MESSAGE] } });

  return db().$transaction(async (tx) => {
    const locked = await tx.$queryRaw<Array<{ status: string; s3KeyArn: string | null; roleArn: string | null }>>`
      SELECT status::text AS status, "s3KeyArn", "roleArn" FROM environment
       WHERE id = ${environment.id}::uuid AND "organizationId" = ${caller.organizationId} FOR UPDATE`;
    const row = locked[0];
    if (!row) throw new AppError("NOT_FOUND");
    if (row.status !== "FAILED") throw new AppError("CONFLICT", NOT_FAILED_MESSAGE);
    if (row.s3KeyArn !== environment.s3KeyArn || row.roleArn !== environment.roleArn) {
      throw new AppError("CONFLICT", "The role or key changed while yours were being checked. Reload the page and try again.");
    }
    await tx.environment.update({
      where: { id: environment.id },
      data: { roleArn: after.roleArn, s3KeyArn: after.keyArn, logGroupArn: after.logGroupArn, logRoleArn: after.logRoleArn, ...(changed.includes("keyArn") ? { wrappedDataKey: null } : {}) },
    });
    await recordCustomerAction(tx, caller, {
      environmentId: environment.id,
      action: "environment.key_arns_changed",
      details: { keyAccess: "ROLE", from: before, to: after, changed, warnings: checked.warnings },
    });
    return { environmentId: environment.id, changed: [...changed], warnings: checked.warnings };
  });
}
