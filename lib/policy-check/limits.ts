/** AWS's limit for a key policy document (KMS Developer Guide, "Key policies": 32 KB). */
export const MAX_KEY_POLICY_BYTES = 32 * 1024;
