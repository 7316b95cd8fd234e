import type { EncryptionMode, EnvironmentStatus, ProvisioningStepStatus } from "@/generated/prisma/enums";
import type { WizardStep } from "@/lib/environments/schemas";
import type { StepKey } from "@/lib/provisioning/names";

/**
 * How every enum the UI shows is named on screen, customer and support alike. Pages and
 * components (server or client) take their words from here; nothing else spells them.
 */

export const ENCRYPTION_MODE_LABELS: Record<EncryptionMode, string> = {
  VENDOR_MANAGED: "Vendor-managed keys",
  CUSTOMER_MANAGED: "Customer-managed keys (BYOK)",
};

/** The encryption mode in a narrow table column (support console). */
export const ENCRYPTION_MODE_SHORT_LABELS: Record<EncryptionMode, string> = {
  VENDOR_MANAGED: "Vendor-managed",
  CUSTOMER_MANAGED: "BYOK",
};

/** The two choices on the wizard's encryption step. */
export const ENCRYPTION_MODE_CHOICE_LABELS: Record<EncryptionMode, string> = {
  VENDOR_MANAGED: "Vendor-managed",
  CUSTOMER_MANAGED: "Customer-managed (BYOK)",
};

/** "How the platform reaches your keys" (role mode, F8): the choice on the keys step, as the issue names it. */
export const KEY_ACCESS_LABELS: Record<"KEY_POLICY" | "ROLE", string> = {
  KEY_POLICY: "Key policy",
  ROLE: "IAM role with External ID",
};

/** The encryption mode inside a sentence ("Chose the encryption mode: …"). */
export const ENCRYPTION_MODE_PHRASES: Record<EncryptionMode, string> = {
  VENDOR_MANAGED: "vendor-managed keys",
  CUSTOMER_MANAGED: "customer-managed keys (BYOK)",
};

export const ENVIRONMENT_STATUS_LABELS: Record<EnvironmentStatus, string> = {
  DRAFT: "Draft",
  PROVISIONING: "Provisioning",
  READY: "Ready",
  FAILED: "Failed",
};

/** A provisioning step's state, as the customer follows it live. */
export const STEP_STATUS_LABELS: Record<ProvisioningStepStatus, string> = {
  PENDING: "Waiting",
  RUNNING: "In progress",
  SUCCEEDED: "Done",
  FAILED: "Failed",
  SKIPPED: "Done in an earlier attempt",
};

/** A provisioning attempt's state (support console). */
export const ATTEMPT_STATUS_LABELS: Record<string, string> = {
  QUEUED: "Queued",
  RUNNING: "Running",
  SUCCEEDED: "Succeeded",
  FAILED: "Failed",
};

/** Why an attempt ran (support console). */
export const ATTEMPT_TRIGGER_LABELS: Record<string, string> = {
  create: "Created",
  retry: "Customer retry",
  "support-retry": "Support retry",
};

/** Removing a deleted environment's AWS resources (support console). */
export const CLEANUP_STATUS_LABELS: Record<string, string> = {
  pending: "waiting to start",
  running: "under way",
  done: "done",
  failed: "failed, tried again in a few minutes",
};

/** A running step that met temporary AWS trouble and waits to try again. */
export const STEP_RETRYING_LABEL = "Retrying";

export const PROVISIONING_STEP_LABELS: Record<StepKey, string> = {
  "object-storage": "Object storage (S3 buckets and first objects)",
  database: "Database (Aurora cluster)",
  finalize: "Finalize (tenant name, encryption settings locked)",
};

/** What a provisioning step is doing, inside a sentence ("… cannot be used while …"). */
export const PROVISIONING_STEP_ACTIVITIES: Record<StepKey, string> = {
  "object-storage": "setting up object storage",
  database: "creating the database",
  finalize: "finishing the environment",
};

/** The label of a value read back as plain text (a step key, a raw SQL column); an unknown value is shown as it is. */
export function labelFor(labels: Record<string, string>, value: string): string {
  return Object.hasOwn(labels, value) ? (labels[value] ?? value) : value;
}

export const WIZARD_STEP_LABELS: Record<WizardStep, string> = {
  basics: "Basics",
  encryption: "Encryption at rest",
  keys: "Create your keys",
  "key-arns": "Provide your key ARNs",
  review: "Review & create",
};

/** A notification's severity, in words (never colour alone). */
export const NOTIFICATION_SEVERITY_LABELS: Record<string, string> = {
  critical: "Critical",
  warning: "Warning",
  info: "Information",
};

/** Where an alert webhook delivery stands, in the delivery log. */
export const WEBHOOK_DELIVERY_STATUS_LABELS: Record<string, string> = {
  pending: "Sending",
  delivered: "Delivered",
  failed: "Failed",
};

/** A pending delivery whose earlier try failed and that waits for its next one. */
export const WEBHOOK_DELIVERY_RETRYING_LABEL = "Retrying";

/** The events an alert webhook carries, as the delivery log names them. */
export const WEBHOOK_EVENT_LABELS: Record<string, string> = {
  "webhook.test": "Test alert",
  "key-health.degraded": "Key health problem",
  "key-health.recovered": "Key health recovered",
};
