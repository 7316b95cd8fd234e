/** S3 bucket names are one global namespace, so buckets are indexed by name; each records its owner and region. */
export interface BucketEncryption {
  sseAlgorithm: "AES256" | "aws:kms" | "aws:kms:dsse";
  kmsMasterKeyId?: string;
  bucketKeyEnabled: boolean;
  /** `SSE-C` blocks SSE-C writes, `NONE` allows them; absent: the default, SSE-C blocked. */
  blockedEncryptionTypes?: Array<"SSE-C" | "NONE">;
}

/** What an SSE-C object keeps of its customer key: never the key, a salted HMAC of it. */
export interface CustomerKeyRecord {
  algorithm: "AES256";
  /** Base64 MD5 of the key, as S3 echoes it. */
  keyMd5: string;
  salt: string;
  hmac: string;
}

/** A full-object additional checksum, base64 as on the wire. */
export interface StoredChecksum {
  algorithm: "CRC32" | "SHA1" | "SHA256";
  value: string;
}

export interface PublicAccessBlock {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}

export interface S3Object {
  key: string;
  /** Object bytes, base64; AES-256-GCM under the data key when SSE-KMS, under the customer's key when SSE-C. */
  body: string;
  size: number;
  etag: string;
  lastModified: string;
  contentType?: string;
  metadata: Record<string, string>;
  sse: "AES256" | "aws:kms";
  kmsKeyArn?: string;
  bucketKeyEnabled?: boolean;
  /** SSE-KMS: the encrypted data key and the encryption context it is bound to. */
  encryptedDataKey?: string;
  encryptionContext?: Record<string, string>;
  iv?: string;
  tag?: string;
  /** SSE-C: the object can only be read with this key. */
  customerKey?: CustomerKeyRecord;
  checksum?: StoredChecksum;
}

export interface Bucket {
  name: string;
  ownerAccountId: string;
  region: string;
  creationDate: string;
  encryption?: BucketEncryption;
  publicAccessBlock?: PublicAccessBlock;
  objects: Record<string, S3Object>;
}

export interface S3State {
  buckets: Record<string, Bucket>;
}
