/**
 * A step that fails on a customer key records the key's state (through the environment's
 * session and the preflight statement), so the failure panel gives the fix that works for it.
 */
import { DisableKeyCommand, ScheduleKeyDeletionCommand } from "@aws-sdk/client-kms";
import { expect, test } from "vitest";
import { STATEMENT_IDS } from "@/lib/byok/policies";
import { explainProvisioningFailure, keyDiagnosisOf } from "./explain";
import { byokDraft, customerKms, harnessForFile, provisioningWorkerForFile, settledStatus, stepsOf, submit, withoutStatements } from "./__testing__/harness";

const REGION = "eu-west-1";
harnessForFile();
provisioningWorkerForFile();

async function failedDatabaseStep(attemptId: string) {
  const failed = (await stepsOf(attemptId)).find((step) => step.status === "FAILED");
  expect(failed).toMatchObject({ key: "database", errorCode: "KMSKeyNotAccessibleFault" });
  return failed!;
}

test("an RDS key pending deletion: RDS's generic refusal becomes cancel-key-deletion, then enable-key, with the date", async () => {
  const draft = await byokDraft("diagdel", REGION);
  const kms = customerKms(REGION);
  const scheduled = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: draft.rdsKeyArn, PendingWindowInDays: 7 }));
  kms.destroy();
  const { attemptId } = await submit(draft.environmentId, draft.userId);
  expect(await settledStatus(draft.environmentId)).toBe("FAILED");

  const failed = await failedDatabaseStep(attemptId);
  const diagnosis = keyDiagnosisOf(failed.output);
  expect(diagnosis).toEqual({ key: "rds", keyState: "PendingDeletion", deletionDate: scheduled.DeletionDate?.toISOString() });
  const explanation = explainProvisioningFailure({ ...failed, stepKey: failed.key, region: REGION, s3KeyArn: draft.s3KeyArn, rdsKeyArn: draft.rdsKeyArn, keyDiagnosis: diagnosis });
  expect(explanation.kind).toBe("key-pending-deletion");
  expect(explanation.commands.map((command) => command.split(" ")[2])).toEqual(["describe-key", "cancel-key-deletion", "enable-key"]);
});

test("an RDS key disabled: enable-key; an enabled key without the grants statement: the policy", async () => {
  const disabled = await byokDraft("diagoff", REGION);
  const kms = customerKms(REGION);
  await kms.send(new DisableKeyCommand({ KeyId: disabled.rdsKeyArn }));
  kms.destroy();
  const first = await submit(disabled.environmentId, disabled.userId);
  expect(await settledStatus(disabled.environmentId)).toBe("FAILED");
  expect(keyDiagnosisOf((await failedDatabaseStep(first.attemptId)).output)).toMatchObject({ keyState: "Disabled" });

  const withoutGrants = await byokDraft("diagpolicy", REGION, {
    rds: withoutStatements(STATEMENT_IDS.rdsGrants),
  });
  const second = await submit(withoutGrants.environmentId, withoutGrants.userId);
  expect(await settledStatus(withoutGrants.environmentId)).toBe("FAILED");
  const failed = await failedDatabaseStep(second.attemptId);
  const diagnosis = keyDiagnosisOf(failed.output);
  expect(diagnosis).toMatchObject({ keyState: "Enabled" });
  const explanation = explainProvisioningFailure({ ...failed, stepKey: failed.key, region: REGION, s3KeyArn: withoutGrants.s3KeyArn, rdsKeyArn: withoutGrants.rdsKeyArn, keyDiagnosis: diagnosis });
  expect(explanation.kind).toBe("rds-key-access");
  expect(explanation.commands.map((command) => command.split(" ")[2])).toEqual(["get-key-policy", "put-key-policy"]);
});
