import { z } from "zod";

/** Shared by the wizard's forms (through zodResolver) and its server actions. */

export const WIZARD_STEPS = ["basics", "encryption", "keys", "key-arns", "review"] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number];

export const environmentNameSchema = z
  .string({ error: "Enter a name for the environment." })
  .trim()
  .min(3, "Use at least 3 characters for the environment name.")
  .max(40, "Keep the environment name to 40 characters or fewer.")
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9 _-]*$/,
    "Use letters, digits, spaces, hyphens and underscores only, starting with a letter or digit.",
  );

export function basicsSchema(supportedRegions: readonly string[]) {
  return z.object({
    name: environmentNameSchema,
    region: z
      .string({ error: "Choose a region." })
      .refine((region) => supportedRegions.includes(region), {
        message: `Choose one of the supported regions: ${supportedRegions.join(", ")}.`,
      }),
  });
}
export type BasicsInput = z.infer<ReturnType<typeof basicsSchema>>;

export const encryptionSchema = z.object({
  encryptionMode: z.enum(["VENDOR_MANAGED", "CUSTOMER_MANAGED"], {
    error: "Choose who manages the encryption keys.",
  }),
});
export type EncryptionInput = z.infer<typeof encryptionSchema>;

export const environmentIdSchema = z.uuid({ error: "That environment id is not valid." });

/**
 * How a use case names one environment. Only a string here: a malformed id is then refused by
 * the organization-scoped lookup as NOT_FOUND, exactly like another tenant's id.
 */
export const environmentRefSchema = z.object({
  environmentId: z.string({ error: "That environment id is not valid." }).max(100, "That environment id is not valid."),
});
export type EnvironmentRef = z.infer<typeof environmentRefSchema>;

/**
 * The key ARNs as the form posts them. Their checks need the draft's region, so the service
 * runs them (with keyArnsSchema from lib/byok/arns.ts, which the form uses too).
 */
export const keyArnsSubmissionSchema = environmentRefSchema.extend({
  s3KeyArn: z.string({ error: "Enter the ARN of your S3 key." }),
  rdsKeyArn: z.string({ error: "Enter the ARN of your RDS key." }),
});
export type KeyArnsSubmission = z.infer<typeof keyArnsSubmissionSchema>;

export const KEY_ACCESS_MODES = ["KEY_POLICY", "ROLE"] as const;
export type KeyAccessMode = (typeof KEY_ACCESS_MODES)[number];

/** "How the platform reaches your keys" on the keys step. */
export const keyAccessSchema = z.object({
  keyAccess: z.enum(KEY_ACCESS_MODES, { error: "Choose how the platform reaches your keys." }),
});

/**
 * Role mode's key-ARN step as the form posts it; the ARNs are checked by the service (their
 * rules need the draft's region), the optional log forwarding fields too.
 */
export const roleKeySubmissionSchema = environmentRefSchema.extend({
  roleArn: z.string({ error: "Enter the ARN of the IAM role you created." }).max(4096, "This is far longer than an IAM role ARN."),
  keyArn: z.string({ error: "Enter the ARN of your KMS key." }).max(4096, "This is far longer than a key ARN."),
  logGroupArn: z.string().max(4096, "This is far longer than a log group ARN.").optional(),
  logRoleArn: z.string().max(4096, "This is far longer than an IAM role ARN.").optional(),
});
export type RoleKeySubmission = z.infer<typeof roleKeySubmissionSchema>;

/** The steps a draft goes through, given its encryption mode. */
export function applicableSteps(encryptionMode: "VENDOR_MANAGED" | "CUSTOMER_MANAGED"): WizardStep[] {
  return encryptionMode === "CUSTOMER_MANAGED" ? [...WIZARD_STEPS] : ["basics", "encryption", "review"];
}

export function stepIndex(step: string): number {
  return WIZARD_STEPS.indexOf(step as WizardStep);
}

/** The first step of a draft that still needs the customer (review when all are done). */
export function firstIncompleteStep(draft: {
  wizardStep: string;
  encryptionMode: "VENDOR_MANAGED" | "CUSTOMER_MANAGED";
  s3KeyArn: string | null;
  rdsKeyArn: string | null;
  keyAccess?: KeyAccessMode;
  roleArn?: string | null;
}): WizardStep {
  const completed = stepIndex(draft.wizardStep);
  for (const step of applicableSteps(draft.encryptionMode)) {
    if (step === "review") return "review";
    if (stepIndex(step) > completed) return step;
    if (step === "key-arns" && !hasKeyArns(draft)) return step;
  }
  return "review";
}

/** Whether the draft has everything its key-ARN step asks for, in its mode. */
export function hasKeyArns(draft: { s3KeyArn: string | null; rdsKeyArn: string | null; keyAccess?: KeyAccessMode; roleArn?: string | null }): boolean {
  return draft.keyAccess === "ROLE" ? Boolean(draft.roleArn && draft.s3KeyArn) : Boolean(draft.s3KeyArn && draft.rdsKeyArn);
}
