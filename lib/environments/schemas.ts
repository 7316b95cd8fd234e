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
}): WizardStep {
  const completed = stepIndex(draft.wizardStep);
  for (const step of applicableSteps(draft.encryptionMode)) {
    if (step === "review") return "review";
    if (stepIndex(step) > completed) return step;
    if (step === "key-arns" && (!draft.s3KeyArn || !draft.rdsKeyArn)) return step;
  }
  return "review";
}
