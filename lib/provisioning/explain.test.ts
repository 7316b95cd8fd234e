import { describe, expect, test } from "vitest";
import { deletionDateFrom, explainProvisioningFailure, type ProvisioningFailureInput } from "./explain";

const REGION = "eu-west-1";
const S3_KEY = "arn:aws:kms:eu-west-1:123456789012:key/5d2f8c1a-3b4e-4f6a-9c7d-1e2f3a4b5c6d";
const RDS_KEY = "arn:aws:kms:eu-west-1:123456789012:key/mrk-8e1f2a3b4c5d6e7f8091a2b3c4d5e6f7";
const PLATFORM = "arn:aws:sts::210987654321:assumed-role/byok-platform/portal";

function explain(overrides: Partial<ProvisioningFailureInput>) {
  return explainProvisioningFailure({
    stepKey: "object-storage",
    awsService: "s3",
    errorCode: null,
    errorMessage: null,
    region: REGION,
    s3KeyArn: S3_KEY,
    rdsKeyArn: RDS_KEY,
    ...overrides,
  });
}

describe("explainProvisioningFailure", () => {
  test("access denied on GenerateDataKey in the object storage step: the S3 statement", () => {
    const result = explain({
      errorCode: "AccessDenied",
      errorMessage: `User: ${PLATFORM} is not authorized to perform: kms:GenerateDataKey on resource: ${S3_KEY} because no resource-based policy allows the kms:GenerateDataKey action`,
    });
    expect(result.kind).toBe("s3-key-policy");
    expect(result.likelyCause).toContain("kms:ViaService");
    expect(result.likelyCause).toContain("s3.eu-west-1.amazonaws.com");
    expect(result.likelyCause).toContain("aws:PrincipalAccount");
    expect(result.likelyCause).toContain("kms:EncryptionContext:aws:s3:arn");
    // `--query Policy`: without it the file also holds the policy's name and put-key-policy refuses it.
    expect(result.commands).toEqual([
      `aws kms get-key-policy --key-id ${S3_KEY} --region ${REGION} --policy-name default --query Policy --output text > current-key-policy.json`,
      `aws kms put-key-policy --key-id ${S3_KEY} --region ${REGION} --policy-name default --policy file://current-key-policy.json`,
    ]);
    expect(result.transient).toBe(false);
  });

  test("access denied naming the KMS key with the KMS exception code, from a key in another Region", () => {
    const otherRegionKey = S3_KEY.replace("eu-west-1", "us-east-1");
    const result = explain({
      awsService: "kms",
      errorCode: "AccessDeniedException",
      errorMessage: `User: ${PLATFORM} is not authorized to perform: kms:GenerateDataKey on resource: ${otherRegionKey}`,
      s3KeyArn: otherRegionKey,
    });
    expect(result.kind).toBe("s3-key-policy");
    expect(result.likelyCause).toContain("us-east-1");
  });

  test("KMSKeyNotAccessibleFault: the Aurora statements or the grant condition, with state checks first", () => {
    const result = explain({
      stepKey: "database",
      awsService: "rds",
      errorCode: "KMSKeyNotAccessibleFault",
      errorMessage: `The specified KMS key [${RDS_KEY}] does not exist, is not enabled or you do not have permissions to access it.`,
    });
    expect(result.kind).toBe("rds-key-access");
    expect(result.likelyCause).toContain("kms:GrantIsForAWSResource");
    expect(result.likelyCause).toContain("kms:CreateGrant");
    expect(result.commands[0]).toContain(`aws kms describe-key --key-id ${RDS_KEY} --region ${REGION}`);
    expect(result.commands).toContain(`aws kms enable-key --key-id ${RDS_KEY} --region ${REGION}`);
  });

  test("KMSKeyNotAccessibleFault on an RDS key found pending deletion: cancel, then enable, with the date; never enable alone", () => {
    const result = explain({
      stepKey: "database",
      awsService: "rds",
      errorCode: "KMSKeyNotAccessibleFault",
      errorMessage: `The specified KMS key [${RDS_KEY}] does not exist, is not enabled or you do not have permissions to access it.`,
      keyDiagnosis: { key: "rds", keyState: "PendingDeletion", deletionDate: "2026-12-24T10:15:00.000Z" },
    });
    expect(result.kind).toBe("key-pending-deletion");
    expect(result.likelyCause).toContain("2026-12-24 10:15:00 UTC");
    expect(result.commands.slice(1)).toEqual([`aws kms cancel-key-deletion --key-id ${RDS_KEY} --region ${REGION}`, `aws kms enable-key --key-id ${RDS_KEY} --region ${REGION}`]);
  });

  test("KMSKeyNotAccessibleFault on an RDS key found disabled: enable it", () => {
    const result = explain({
      stepKey: "database",
      awsService: "rds",
      errorCode: "KMSKeyNotAccessibleFault",
      errorMessage: "",
      keyDiagnosis: { key: "rds", keyState: "Disabled", deletionDate: null },
    });
    expect(result.kind).toBe("key-disabled");
    expect(result.commands[0]).toBe(`aws kms enable-key --key-id ${RDS_KEY} --region ${REGION}`);
  });

  test("KMSKeyNotAccessibleFault on an RDS key found enabled: the policy, with no state commands", () => {
    const result = explain({
      stepKey: "database",
      awsService: "rds",
      errorCode: "KMSKeyNotAccessibleFault",
      errorMessage: "",
      keyDiagnosis: { key: "rds", keyState: "Enabled", deletionDate: null },
    });
    expect(result.kind).toBe("rds-key-access");
    expect(result.likelyCause).not.toContain("disabled");
    expect(result.commands.map((command) => command.split(" ")[2])).toEqual(["get-key-policy", "put-key-policy"]);
  });

  test("without a diagnosis, the state commands come in the order that works: describe, cancel deletion, enable", () => {
    const result = explain({ stepKey: "database", awsService: "rds", errorCode: "KMSKeyNotAccessibleFault", errorMessage: "" });
    expect(result.commands.slice(0, 3).map((command) => command.split(" ")[2])).toEqual(["describe-key", "cancel-key-deletion", "enable-key"]);
    // A diagnosis of the other key changes nothing here.
    expect(explain({ stepKey: "database", awsService: "rds", errorCode: "KMSKeyNotAccessibleFault", errorMessage: "", keyDiagnosis: { key: "s3", keyState: "Disabled", deletionDate: null } }).kind).toBe("rds-key-access");
  });

  test("a cluster that lost access to its key while being created", () => {
    const result = explain({ stepKey: "database", errorCode: "DBClusterUnusable", errorMessage: 'The database cluster x went into the state "inaccessible-encryption-credentials" instead of becoming available.' });
    expect(result.kind).toBe("rds-key-access");
  });

  test.each([
    ["DisabledException", `${S3_KEY} is disabled.`],
    ["KMS.DisabledException", `${S3_KEY} is disabled.`],
  ])("disabled key (%s): enable-key", (errorCode, errorMessage) => {
    const result = explain({ errorCode, errorMessage });
    expect(result.kind).toBe("key-disabled");
    expect(result.commands[0]).toBe(`aws kms enable-key --key-id ${S3_KEY} --region ${REGION}`);
  });

  test("the disabled key is the one the message names, even from the other step", () => {
    const result = explain({ stepKey: "object-storage", errorCode: "DisabledException", errorMessage: `${RDS_KEY} is disabled.` });
    expect(result.summary).toContain("database key");
    expect(result.commands[0]).toContain(RDS_KEY);
  });

  test("pending deletion without a date: how to read the date, cancel, then enable", () => {
    const result = explain({ errorCode: "KMS.KMSInvalidStateException", errorMessage: `${S3_KEY} is pending deletion.` });
    expect(result.kind).toBe("key-pending-deletion");
    expect(result.likelyCause).toContain("shows the deletion date");
    expect(result.commands).toEqual([
      `aws kms describe-key --key-id ${S3_KEY} --region ${REGION} --query "KeyMetadata.[KeyState,DeletionDate,Arn]" --output text`,
      `aws kms cancel-key-deletion --key-id ${S3_KEY} --region ${REGION}`,
      `aws kms enable-key --key-id ${S3_KEY} --region ${REGION}`,
    ]);
  });

  test("pending deletion with a date in the message: the date is shown", () => {
    const result = explain({
      errorCode: "KMSInvalidStateException",
      errorMessage: `${S3_KEY} is pending deletion. Deletion date: 2026-12-24T10:15:00Z.`,
    });
    expect(result.likelyCause).toContain("2026-12-24 10:15:00 UTC");
  });

  test("key not found: points at the Region when the ARN is from another one", () => {
    const elsewhere = S3_KEY.replace("eu-west-1", "us-west-2");
    const result = explain({ errorCode: "KMS.NotFoundException", errorMessage: `Key '${elsewhere}' does not exist`, s3KeyArn: elsewhere });
    expect(result.kind).toBe("key-not-found");
    expect(result.likelyCause).toContain("us-west-2");
    expect(result.likelyCause).toContain(REGION);
  });

  test("key not found in the same Region", () => {
    const result = explain({ errorCode: "NotFoundException", errorMessage: `Key '${S3_KEY}' does not exist` });
    expect(result.kind).toBe("key-not-found");
    expect(result.likelyCause).toContain("deleted");
  });

  test.each(["ThrottlingException", "KMS.ThrottlingException", "SlowDown", "Throttling", "InternalError", "KMS.KMSInternalException", "ECONNREFUSED", "TimeoutError", "DBClusterCreationTimedOut"])(
    "%s is transient: retry",
    (errorCode) => {
      const result = explain({ errorCode, errorMessage: "Rate exceeded" });
      expect(result.kind).toBe("transient");
      expect(result.transient).toBe(true);
      expect(result.commands).toEqual([]);
    },
  );

  test("problems on the platform's side do not send the customer to their keys", () => {
    expect(explain({ errorCode: "BucketAlreadyExists", errorMessage: "The requested bucket name is not available." }).kind).toBe("platform");
    expect(explain({ errorCode: "AccessDenied", errorMessage: "User: x is not authorized to perform: s3:CreateBucket on resource: y" }).kind).toBe("platform");
    expect(explain({ stepKey: "database", errorCode: "DBClusterNotOwned", errorMessage: "left untouched" }).kind).toBe("platform");
  });

  test("anything else: a generic explanation", () => {
    expect(explain({ errorCode: "WeirdError", errorMessage: "?" }).kind).toBe("unknown");
  });

  test("only validated ARNs and Regions reach the commands", () => {
    const result = explain({ errorCode: "DisabledException", errorMessage: "is disabled.", s3KeyArn: "arn:aws:kms:eu-west-1:1:key/x; rm -rf /", region: "eu-west-1 && curl" });
    for (const command of result.commands) {
      expect(command).not.toContain("rm -rf");
      expect(command).not.toContain("curl");
    }
    expect(result.commands[0]).toBe("aws kms enable-key --key-id YOUR_S3_KEY_ARN --region YOUR_REGION");
  });

  test("no words name the vendor or leak internals", () => {
    const all = [
      explain({ errorCode: "AccessDenied", errorMessage: `kms:GenerateDataKey ${S3_KEY}` }),
      explain({ stepKey: "database", errorCode: "KMSKeyNotAccessibleFault", errorMessage: "" }),
      explain({ errorCode: "ECONNRESET", errorMessage: "" }),
    ];
    for (const result of all) {
      const text = [result.summary, result.likelyCause, result.fix].join(" ");
      expect(text).not.toMatch(/ataccama|stratus/i);
      expect(text).not.toMatch(/\n\s+at /);
    }
  });
});

describe("deletionDateFrom", () => {
  test.each([
    ["is pending deletion. Deletion date: 2026-12-24T10:15:00Z", "2026-12-24T10:15:00.000Z"],
    ["scheduled for deletion on 2027-01-05", "2027-01-05T00:00:00.000Z"],
    ["will be deleted on December 24, 2026 10:15:00 UTC", "2026-12-24T10:15:00.000Z"],
  ])("%s", (message, iso) => {
    expect(deletionDateFrom(message)?.toISOString()).toBe(iso);
  });

  test("no date", () => {
    expect(deletionDateFrom("arn:aws:kms:eu-west-1:123456789012:key/abc is pending deletion.")).toBeUndefined();
  });
});

describe("commands in sandbox mode", () => {
  const SANDBOX = "http://127.0.0.1:4566";
  const failures: Partial<ProvisioningFailureInput>[] = [
    { errorCode: "AccessDenied", errorMessage: `User: ${PLATFORM} is not authorized to perform: kms:GenerateDataKey on resource: ${S3_KEY}` },
    { stepKey: "database", awsService: "rds", errorCode: "KMSKeyNotAccessibleFault", errorMessage: "The specified KMS key does not exist, is not enabled or you do not have permissions to access it." },
    { errorCode: "DisabledException", errorMessage: `${S3_KEY} is disabled.` },
    { errorCode: "KMSInvalidStateException", errorMessage: `${S3_KEY} is pending deletion.` },
    { errorCode: "NotFoundException", errorMessage: "Key does not exist" },
    { errorCode: "InvalidKeyUsageException", errorMessage: "wrong key usage" },
  ];

  test("every command carries --endpoint-url right after --region, and is otherwise the one shown against AWS", () => {
    let commands = 0;
    for (const failure of failures) {
      const againstAws = explain(failure);
      const inSandbox = explain({ ...failure, endpointUrl: SANDBOX });
      expect(inSandbox.kind).toBe(againstAws.kind);
      expect(inSandbox.commands).toHaveLength(againstAws.commands.length);
      for (const [index, command] of inSandbox.commands.entries()) {
        expect(command).toBe(againstAws.commands[index]?.replace(`--region ${REGION}`, `--region ${REGION} --endpoint-url ${SANDBOX}`));
        commands += 1;
      }
    }
    expect(commands).toBeGreaterThan(8);
  });

  test("the pending-deletion fix, as a demo runner pastes it", () => {
    const result = explain({ errorCode: "KMSInvalidStateException", errorMessage: `${S3_KEY} is pending deletion.`, endpointUrl: SANDBOX });
    expect(result.commands).toContain(`aws kms cancel-key-deletion --key-id ${S3_KEY} --region ${REGION} --endpoint-url ${SANDBOX}`);
  });

  test("against real AWS no command mentions an endpoint", () => {
    for (const failure of failures) for (const command of explain(failure).commands) expect(command).not.toContain("endpoint");
  });
});
