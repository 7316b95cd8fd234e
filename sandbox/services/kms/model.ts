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
  /** SYMMETRIC_DEFAULT, RSA_2048, ECC_NIST_P256, HMAC_256…: only symmetric keys do cryptography in the sandbox. */
  keySpec: string;
  keyManager: "CUSTOMER" | "AWS";
  /** EXTERNAL: the key waits for imported material (PendingImport), which the sandbox never receives. */
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
  /** 32 bytes, base64. Replicas of a multi-Region key share it. */
  material: string;
  grants: KmsGrant[];
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
