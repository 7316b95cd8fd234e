/** How provisioning steps are named on screen (customer and support alike). */
export const STEP_LABELS: Record<string, string> = {
  "object-storage": "Object storage (S3 buckets and first objects)",
  database: "Database (Aurora cluster)",
  finalize: "Finalize (tenant name, encryption settings locked)",
};
