/**
 * The KMS service: its operations, grouped by concern in the files beside this one. Each
 * declares the key whose policy applies (or an identity-only check) and the dispatcher
 * authorizes it; every call is recorded in the trail.
 */
import { optBlob, type Input } from "../../input";
import { type CallAudit, type CallContext, type Output, type Service, type World, invoke } from "../../world";
import { aliasOperations } from "./aliases";
import { parseBlob } from "./crypto";
import { cryptographicOperations } from "./cryptography";
import { grantOperations, retireGrantAsService } from "./grants";
import { importOperations } from "./imports";
import { awsManagedKeyArn, keyOperations } from "./keys";
import { KEY_ARN, readContext, resolveKey } from "./lookup";
import { policyOperations } from "./policies";
import { rotationOperations } from "./rotation";
import { signingOperations } from "./signing";
import { tagOperations } from "./tags";


export interface KmsService extends Service {
  /** For S3, RDS and CloudFormation: run a KMS operation as the caller (faults and trail apply). */
  call(operation: string, input: Input, ctx: CallContext): Promise<Output>;
  /** The AWS managed key (`alias/aws/s3`, `alias/aws/rds`) of an account, created on first use. */
  awsManagedKeyArn(accountId: string, region: string, service: "s3" | "rds"): string;
  /** An AWS service retiring the grant it holds (it is the grant's retiring principal). */
  retireGrantAsService(keyArn: string, grantId: string): void;
}

/** Best effort, never throwing: the key and context a call names, for a call a fault stopped. */
function auditOf(world: World, input: Input, ctx: CallContext): CallAudit {
  const audit: CallAudit = { keyArn: "" };
  try {
    const context = readContext(input, input.DestinationEncryptionContext === undefined ? "EncryptionContext" : "DestinationEncryptionContext");
    if (context) audit.encryptionContext = context;
  } catch {
    // Not a string map: leave it out.
  }
  const identifier = [input.KeyId, input.TargetKeyId, input.DestinationKeyId].find((v): v is string => typeof v === "string" && v !== "");
  if (identifier !== undefined) {
    try {
      audit.keyArn = resolveKey(world, ctx, identifier, "DescribeKey").arn;
    } catch {
      audit.keyArn = KEY_ARN.test(identifier) ? identifier : "";
    }
    return audit;
  }
  try {
    const blob = optBlob(input, "CiphertextBlob");
    audit.keyArn = (blob && parseBlob(blob)?.keyArn) ?? "";
  } catch {
    // Not a blob: nothing to name.
  }
  return audit;
}

export function createKmsService(world: World): KmsService {
  const service: KmsService = {
    name: "kms",
    operations: {
      ...keyOperations(world),
      ...aliasOperations(world),
      ...policyOperations(world),
      ...rotationOperations(world),
      ...tagOperations(world),
      ...cryptographicOperations(world),
      ...signingOperations(world),
      ...importOperations(world),
      ...grantOperations(world),
    },
    accessDenied: { code: "AccessDeniedException", status: 400 },
    trailEveryCall: true,
    auditOf: (_operation, input, ctx) => auditOf(world, input, ctx),
    call: (operation, input, ctx) => invoke(world, service, operation, input, ctx),
    awsManagedKeyArn: (accountId, region, name) => awsManagedKeyArn(world, accountId, region, name),
    retireGrantAsService: (arn, grantId) => retireGrantAsService(world, arn, grantId),
  };
  return service;
}
