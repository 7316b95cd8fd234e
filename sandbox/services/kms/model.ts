/** KMS state: per account, per region. Dates are ISO strings so the state is plain JSON. */
export type KeyState = "Enabled" | "Disabled" | "PendingDeletion" | "PendingImport";

export type KeyUsage = "ENCRYPT_DECRYPT" | "SIGN_VERIFY" | "GENERATE_VERIFY_MAC";

export interface KmsTag {
  TagKey: string;
  TagValue: string;
}

export interface GrantConstraints {
  EncryptionContextSubset?: Record<string, string>;
  EncryptionContextEquals?: Record<string, string>;
}

export interface KmsGrant {
  grantId: string;
  grantToken: string;
  name?: string;
  granteePrincipal: string;
  retiringPrincipal?: string;
  issuingAccount: string;
  operations: string[];
  constraints?: GrantConstraints;
  creationDate: string;
}

export interface KmsKey {
  keyId: string;
  arn: string;
  accountId: string;
  region: string;
  description: string;
  keyUsage: KeyUsage;
  /** SYMMETRIC_DEFAULT, RSA_2048, ECC_NIST_P256, HMAC_256… (see key-material.ts). */
  keySpec: string;
  keyManager: "CUSTOMER" | "AWS";
  /** EXTERNAL: the key is PendingImport until material is imported (imports.ts). */
  origin: "AWS_KMS" | "EXTERNAL";
  creationDate: string;
  keyState: KeyState;
  /** When `keyState` last changed (absent: unchanged since creation); RDS times a lost key from it. */
  keyStateChangedAt?: string;
  deletionDate?: string;
  pendingWindowInDays?: number;
  policy: string;
  tags: KmsTag[];
  rotationEnabled: boolean;
  rotationPeriodInDays?: number;
  multiRegion: boolean;
  multiRegionKeyType?: "PRIMARY" | "REPLICA";
  primaryRegion?: string;
  /**
   * Base64: 32 bytes (symmetric), the HMAC key, or a PKCS #8 DER private key (RSA, ECC).
   * Replicas of a multi-Region key share it. Empty while an EXTERNAL key has none.
   */
  material: string;
  grants: KmsGrant[];
  /** EXTERNAL keys: the expiration of the material imported last, absent when it does not expire. */
  validTo?: string;
  expirationModel?: "KEY_MATERIAL_EXPIRES" | "KEY_MATERIAL_DOES_NOT_EXPIRE";
  /** EXTERNAL keys: identifies the first material imported; reimports must bring the same (key-material.ts). */
  importedMaterialFingerprint?: string;
  /** EXTERNAL keys: the wrapping key and import token of the latest GetParametersForImport. */
  importParameters?: ImportParameters;
}

export interface ImportParameters {
  importToken: string;
  wrappingAlgorithm: string;
  wrappingKeySpec: string;
  /** The wrapping key pair's private key, PKCS #8 DER, base64 (redacted like all material). */
  material: string;
  parametersValidTo: string;
}

export interface KmsAlias {
  aliasName: string;
  targetKeyId: string;
  creationDate: string;
  lastUpdatedDate: string;
}

export interface KmsRegionState {
  keys: Record<string, KmsKey>;
  aliases: Record<string, KmsAlias>;
}

export type KmsState = Record<string, Record<string, KmsRegionState>>;
