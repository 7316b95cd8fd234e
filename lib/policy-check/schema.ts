import { z } from "zod";
import { MAX_KEY_POLICY_BYTES } from "./limits";

/** The policy check form, checked the same way in the browser and on the server. */
export const policyCheckFormSchema = z.object({
  kind: z.enum(["s3", "rds"], { error: "Choose which key the policy is for: the S3 key or the RDS key." }),
  policyJson: z
    .string({ error: "Paste the key policy JSON (the output of the get-key-policy command)." })
    .trim()
    .min(1, "Paste the key policy JSON (the output of the get-key-policy command).")
    // Twice the policy limit: the check itself explains an oversize policy in its own words.
    .max(2 * MAX_KEY_POLICY_BYTES, "This is far larger than a key policy can be (32 KB at most)."),
});
export type PolicyCheckFormInput = z.infer<typeof policyCheckFormSchema>;

export const policyCheckInputSchema = policyCheckFormSchema.extend({ environmentId: z.string() });
export type PolicyCheckInput = z.infer<typeof policyCheckInputSchema>;
