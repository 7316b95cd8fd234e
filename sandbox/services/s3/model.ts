/** S3 bucket names are one global namespace, so buckets are indexed by name; each records its owner and region. */
export interface BucketEncryption {
  sseAlgorithm: "AES256" | "aws:kms" | "aws:kms:dsse";
  kmsMasterKeyId?: string;
  bucketKeyEnabled: boolean;
}

export interface PublicAccessBlock {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}

export interface S3Object {
  key: string;
  /** Object bytes, base64; AES-256-GCM under the data key when SSE-KMS. */
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
