import { baseErrorCode, isNetworkCode, isTransientAwsError } from "@/lib/aws/errors";
import { parseKeyArn } from "@/lib/byok/arns";
import { keyCommands } from "@/lib/byok/commands";
import { keyArnInTextPattern, regionPattern } from "@/lib/byok/values";
import { PROVISIONING_STEP_ACTIVITIES } from "@/lib/labels";
import { z } from "zod";
import { isStepKey } from "./names";

/**
 * Turns a failed provisioning step into words for the customer: what happened, what it most
 * likely means, how to fix it, and the AWS CLI commands that do it. Pure and safe to render:
 * only validated ARNs and Regions are put into commands, and nothing here names the vendor.
 */
export interface ProvisioningFailureInput {
  stepKey: string;
  awsService: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  region: string;
  s3KeyArn: string | null;
  rdsKeyArn: string | null;
  /**
   * The failing step's key as DescribeKey saw it when the step failed (lib/provisioning/key-diagnosis.ts),
   * when the platform could read it: decides between the fixes one AWS error can need.
   */
  keyDiagnosis?: { key: "s3" | "rds"; keyState: string; deletionDate: string | null } | null;
  /**
   * Sandbox mode: the endpoint the customer's CLI calls (`cliEndpointOption()` of
   * lib/sandbox-deploy/mode.ts), added to every command; unset against real AWS.
   */
  endpointUrl?: string;
}

const keyDiagnosisSchema = z.object({ key: z.enum(["s3", "rds"]), keyState: z.string(), deletionDate: z.string().nullable() });

/** The key diagnosis a failed step stored in its output (lib/provisioning/key-diagnosis.ts), if any. */
export function keyDiagnosisOf(output: unknown): ProvisioningFailureInput["keyDiagnosis"] {
  if (output === null || typeof output !== "object" || !("keyDiagnosis" in output)) return null;
  const parsed = keyDiagnosisSchema.safeParse(output.keyDiagnosis);
  return parsed.success ? parsed.data : null;
}

export type ProvisioningFailureKind =
  | "s3-key-policy"
  | "rds-key-access"
  | "key-disabled"
  | "key-pending-deletion"
  | "key-not-found"
  | "key-wrong-type"
  | "key-invalid-state"
  | "transient"
  | "platform"
  | "unknown";

export interface ProvisioningFailureExplanation {
  kind: ProvisioningFailureKind;
  summary: string;
  likelyCause: string;
  fix: string;
  commands: string[];
  /** True when retrying without changing anything is the fix. */
  transient: boolean;
}

type KeyRole = "s3" | "rds";


const KEY_LABEL: Record<KeyRole, string> = { s3: "object storage key (S3 key)", rds: "database key (RDS key)" };
const PLACEHOLDER: Record<KeyRole, string> = { s3: "YOUR_S3_KEY_ARN", rds: "YOUR_RDS_KEY_ARN" };

function safeRegion(region: string): string {
  return regionPattern.test(region) ? region : "YOUR_REGION";
}

function safeKeyArn(arn: string | null | undefined, role: KeyRole): string {
  return arn && parseKeyArn(arn) ? arn : PLACEHOLDER[role];
}

/** Which of the two keys the error is about: the ARN AWS named, else the step's key. */
function keyRoleOf(input: ProvisioningFailureInput): KeyRole {
  const named = keyArnInTextPattern.exec(input.errorMessage ?? "")?.[0];
  if (named && named === input.s3KeyArn) return "s3";
  if (named && named === input.rdsKeyArn) return "rds";
  return input.stepKey === "database" ? "rds" : "s3";
}

function keyArnOf(input: ProvisioningFailureInput, role: KeyRole): string {
  return safeKeyArn(role === "s3" ? input.s3KeyArn : input.rdsKeyArn, role);
}

function regionMismatch(keyArn: string, region: string): string | undefined {
  const parsed = parseKeyArn(keyArn);
  return parsed && parsed.region !== region ? parsed.region : undefined;
}

/**
 * KMS does not put the deletion date into its error text today; if a message ever carries
 * one (an ISO date or date-time), it is shown, otherwise the customer is told how to read it.
 */
export function deletionDateFrom(message: string): Date | undefined {
  const iso = /\b(\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?)\b/.exec(message)?.[1];
  if (iso) {
    const time = Date.parse(iso.includes(" ") ? iso.replace(" ", "T") : iso);
    if (!Number.isNaN(time)) return new Date(time);
  }
  const spelled = /\b(?:on|at|after)\s+((?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\s+)?([A-Z][a-z]+\s+\d{1,2},?\s+\d{4}(?:\s+\d{2}:\d{2}(?::\d{2})?(?:\s*(?:UTC|GMT))?)?)/.exec(message)?.[2];
  if (spelled) {
    const time = Date.parse(spelled);
    if (!Number.isNaN(time)) return new Date(time);
  }
  return undefined;
}

function formatDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z").replace("T", " ").replace("Z", " UTC");
}

function stepLabel(stepKey: string): string {
  return isStepKey(stepKey) ? PROVISIONING_STEP_ACTIVITIES[stepKey] : "provisioning";
}

export function explainProvisioningFailure(input: ProvisioningFailureInput): ProvisioningFailureExplanation {
  const where = input.endpointUrl === undefined ? {} : { endpointUrl: input.endpointUrl };
  const describeKey = (arn: string, region: string) => keyCommands(arn, region, where).describeState;
  const getKeyPolicy = (arn: string, region: string) => keyCommands(arn, region, where).getPolicy();
  const putKeyPolicy = (arn: string, region: string) => keyCommands(arn, region, where).putPolicy();
  const enableKey = (arn: string, region: string) => keyCommands(arn, region, where).enable;
  const cancelDeletion = (arn: string, region: string) => keyCommands(arn, region, where).cancelDeletion;
  const code = baseErrorCode(input.errorCode ?? "");
  const message = input.errorMessage ?? "";
  const region = safeRegion(input.region);
  const role = keyRoleOf(input);
  const keyArn = keyArnOf(input, role);
  const during = stepLabel(input.stepKey);
  const diagnosis = input.keyDiagnosis?.key === role ? input.keyDiagnosis : null;

  if (/pending deletion/i.test(message) || code === "KMSKeyPendingDeletion" || diagnosis?.keyState === "PendingDeletion") {
    const date = deletionDateFrom(message) ?? (diagnosis?.deletionDate ? new Date(diagnosis.deletionDate) : undefined);
    return {
      kind: "key-pending-deletion",
      summary: `Your ${KEY_LABEL[role]} is scheduled for deletion, so it cannot be used while ${during}.`,
      likelyCause: date
        ? `Someone scheduled the key for deletion; it will be deleted permanently on ${formatDate(date)}. A key waiting for deletion cannot encrypt anything.`
        : "Someone scheduled the key for deletion. A key waiting for deletion cannot encrypt anything, and once the waiting period ends the key and everything encrypted with it are gone for good. The first command below shows the deletion date.",
      fix: "Cancel the deletion before the date, then enable the key again (cancelling leaves it disabled). When the key shows Enabled, retry provisioning.",
      commands: [describeKey(keyArn, region), cancelDeletion(keyArn, region), enableKey(keyArn, region)],
      transient: false,
    };
  }

  if (code === "DisabledException" || /\bis disabled\b/i.test(message) || diagnosis?.keyState === "Disabled") {
    return {
      kind: "key-disabled",
      summary: `Your ${KEY_LABEL[role]} is disabled, so it cannot be used while ${during}.`,
      likelyCause: "The key was disabled in your AWS account. A disabled key refuses every encryption request until it is enabled again.",
      fix: "Enable the key, then retry provisioning.",
      commands: [enableKey(keyArn, region), describeKey(keyArn, region)],
      transient: false,
    };
  }

  if (code === "KMSKeyNotAccessibleFault" || /inaccessible-encryption-credentials/.test(message)) {
    const arn = keyArnOf(input, "rds");
    const otherRegion = regionMismatch(arn, region);
    return {
      kind: "rds-key-access",
      summary: "The database service could not use your database key (RDS key) to encrypt the new database.",
      likelyCause:
        (otherRegion ? `The key is in ${otherRegion}, but the environment is in ${region}; the database can only use a key from its own Region. ` : "") +
        "Most often one of the two database statements is missing from the key policy or differs from what the wizard showed: the one allowing kms:DescribeKey, or the one allowing kms:CreateGrant with the condition kms:GrantIsForAWSResource set to true. Both must name the platform role, the Region and the platform account exactly." +
        (diagnosis?.keyState === "Enabled" ? "" : " The same error appears when the key is disabled or scheduled for deletion."),
      fix:
        diagnosis?.keyState === "Enabled"
          ? "The key is enabled, so its policy is what refuses: compare it with the two database statements shown under Key setup, add whatever is missing (keep the default statements), and retry provisioning."
          : "Check the key's state first (the first command). PendingDeletion: cancel the deletion (the second command), which leaves the key Disabled, then enable it (the third). Disabled: enable it. Then compare the key policy with the two database statements shown under Key setup, add whatever is missing (keep the default statements), and retry provisioning.",
      commands:
        diagnosis?.keyState === "Enabled"
          ? [getKeyPolicy(arn, region), putKeyPolicy(arn, region)]
          : [describeKey(arn, region), cancelDeletion(arn, region), enableKey(arn, region), getKeyPolicy(arn, region), putKeyPolicy(arn, region)],
      transient: false,
    };
  }

  if (code === "NotFoundException" || code === "KMSNotFoundException" || (/\bkms\b/i.test(`${input.errorCode} ${message}`) && /does not exist|not found/i.test(message))) {
    const otherRegion = regionMismatch(keyArn, region);
    return {
      kind: "key-not-found",
      summary: `Your ${KEY_LABEL[role]} could not be found in ${region}.`,
      likelyCause: otherRegion
        ? `The key ARN points to ${otherRegion}, but the environment is in ${region}. Keys belong to one Region, and storage can only be encrypted with a key from its own Region.`
        : "The ARN points to a key that does not exist in this Region: it may have been deleted, it may be in another AWS account, or the ARN was mistyped.",
      fix: `Make sure the key exists in ${region} in your account. If it does not, this environment cannot use it: create a new environment with a key in ${region}.`,
      commands: [describeKey(keyArn, region)],
      transient: false,
    };
  }

  if (code === "InvalidKeyUsageException" || code === "IncorrectKeyException" || code === "UnsupportedOperationException") {
    return {
      kind: "key-wrong-type",
      summary: `Your ${KEY_LABEL[role]} cannot be used for encryption at rest.`,
      likelyCause: "Storage encryption needs a symmetric key whose usage is \"Encrypt and decrypt\". This key has another type or usage (for example an asymmetric or HMAC key).",
      fix: "Create a symmetric encrypt/decrypt key in the same Region and use it in a new environment.",
      commands: [keyCommands(keyArn, region, where).describeType],
      transient: false,
    };
  }

  if (code === "KMSInvalidStateException") {
    return {
      kind: "key-invalid-state",
      summary: `Your ${KEY_LABEL[role]} is not in a state that allows encryption.`,
      likelyCause: "The key is neither enabled nor usable right now, for example because it is waiting for imported key material or is being replicated.",
      fix: "Check the key's state; once it is Enabled, retry provisioning.",
      commands: [describeKey(keyArn, region)],
      transient: false,
    };
  }

  if ((code === "AccessDenied" || code === "AccessDeniedException") && /\bkms:/i.test(message)) {
    if (role === "rds") {
      const arn = keyArnOf(input, "rds");
      return {
        kind: "rds-key-access",
        summary: "Your database key (RDS key) refused the platform's request.",
        likelyCause:
          "The key policy does not allow the platform role to use the key through the database service: one of the two database statements is missing, or its Region, account or kms:GrantIsForAWSResource condition differs from what the wizard showed.",
        fix: "Add the two database statements from the wizard to the key policy exactly as shown (keep the default statements), then retry provisioning.",
        commands: [getKeyPolicy(arn, region), putKeyPolicy(arn, region)],
        transient: false,
      };
    }
    const arn = keyArnOf(input, "s3");
    const otherRegion = regionMismatch(arn, region);
    return {
      kind: "s3-key-policy",
      summary: "Your object storage key (S3 key) refused to encrypt the environment's first files.",
      likelyCause:
        (otherRegion ? `The key is in ${otherRegion}, but the environment's storage is in ${region}. ` : "") +
        `The key policy does not allow the platform role to use the key through S3 for this environment's storage. Usually the object storage statement is missing, or one of its conditions differs from what the wizard showed: the Region in kms:ViaService (s3.${region}.amazonaws.com), the platform account in aws:PrincipalAccount, or the bucket names in kms:EncryptionContext:aws:s3:arn, which must match this environment. A policy copied from another environment names that environment's buckets and is refused here.`,
      fix: "Add the object storage statements from the wizard to the key policy exactly as shown (keep the default statements), save it, then retry provisioning. The storage already created is reused.",
      commands: [getKeyPolicy(arn, region), putKeyPolicy(arn, region)],
      transient: false,
    };
  }

  if (isTransientAwsError({ code, httpStatus: null }) || isNetworkCode(code) || code === "DBClusterCreationTimedOut") {
    return {
      kind: "transient",
      summary: `AWS did not complete a request while ${during}.`,
      likelyCause:
        code === "DBClusterCreationTimedOut"
          ? "The database took longer than usual to become available. Nothing is wrong with your keys."
          : "AWS kept refusing or failing the request for a temporary reason (throttling, an error on AWS's side, no answer, or an answer that could not be read) for as long as the platform retries on its own. This is not caused by your keys.",
      fix: "Retry provisioning; the work already done is kept. If it keeps failing, contact support and quote the request id.",
      commands: [],
      transient: true,
    };
  }

  if (code === "BucketAlreadyExists" || code === "DBClusterNotOwned" || code === "AccessDenied" || code === "AccessDeniedException") {
    return {
      kind: "platform",
      summary: `Provisioning stopped on the platform's side while ${during}.`,
      likelyCause: "This is not caused by your keys or your AWS account; the platform could not create or use one of its own resources for this environment.",
      fix: "Contact support and quote the error code and request id. Your keys need no change.",
      commands: [],
      transient: false,
    };
  }

  return {
    kind: "unknown",
    summary: `Provisioning failed while ${during}.`,
    likelyCause: "AWS returned the error shown above. It does not match a known key problem.",
    fix: "Retry provisioning. If the same error comes back, contact support and quote the error code and request id.",
    commands: [],
    transient: false,
  };
}
