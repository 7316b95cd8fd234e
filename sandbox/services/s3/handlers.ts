/**
 * S3 buckets and objects. With SSE-KMS, S3 calls KMS as the caller through the S3 service
 * (`kms:ViaService = s3.<region>.amazonaws.com`) with the `aws:s3:arn` encryption context:
 * the bucket ARN when an S3 Bucket Key is used, the object ARN otherwise (S3 User Guide,
 * "Encryption context"). KMS refusals come back as S3 errors carrying the KMS message.
 * SSE-C objects are sealed with the caller's own key (customer-keys.ts); additional checksums
 * are checked and kept with the object (checksums.ts).
 */
import { createHash } from "node:crypto";
import type { AccessCheck } from "../../authorize";
import { ServiceError } from "../../errors";
import { type Input, isRecord, optBlob, optBoolean, optNumber, optString, optStringList, optStringMap, reqString } from "../../input";
import { type CallContext, type Operation, type Output, type Service, type World, operation } from "../../world";
import { openWithDataKey, sealWithDataKey } from "../kms/crypto";
import type { KmsService } from "../kms/handlers";
import { checksumOutput, verifyChecksum } from "./checksums";
import { type CustomerKey, checkCustomerKeyForRead, openWithCustomerKey, readCustomerKey, sealWithCustomerKey } from "./customer-keys";
import type { Bucket, BucketEncryption, S3Object, StoredChecksum } from "./model";

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function noSuchBucket(bucket: string): ServiceError {
  return new ServiceError("NoSuchBucket", "The specified bucket does not exist", 404, { "x-sandbox-bucket": bucket });
}

/** Maps a KMS error met while S3 works on the caller's behalf to what S3 returns. */
export function s3ErrorFromKms(error: unknown): unknown {
  if (!(error instanceof ServiceError)) return error;
  if (error.code === "AccessDeniedException") return new ServiceError("AccessDenied", error.message, 403);
  if (error.status >= 500) return new ServiceError(`KMS.${error.code}`, error.message, error.status);
  return new ServiceError(`KMS.${error.code}`, error.message, 400);
}

/** `x-amz-server-side-encryption-context`: base64 of a JSON object whose values are all strings. */
function readEncryptionContext(text: string): Record<string, string> {
  const invalid = () =>
    new ServiceError("InvalidArgument", "The header 'x-amz-server-side-encryption-context' shall be Base64-encoded UTF-8 string holding JSON which represents a string-string map", 400);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, "base64").toString("utf8"));
  } catch {
    throw invalid();
  }
  if (!isRecord(parsed)) throw invalid();
  const context: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v !== "string") throw invalid();
    context[k] = v;
  }
  return context;
}

function md5(data: Buffer): string {
  return `"${createHash("md5").update(data).digest("hex")}"`;
}

export function createS3Service(world: World, kms: KmsService): Service {
  const buckets = () => world.state.s3.buckets;

  /**
   * `s3:<action>` on a bucket or object ARN. Buckets have no bucket policies in the sandbox,
   * so only the owner account gets in.
   */
  function s3Access(action: string, resource: string, bucket?: Bucket): AccessCheck {
    const check: AccessCheck = { action: `s3:${action}`, resource };
    if (bucket) check.ownerAccountId = bucket.ownerAccountId;
    return check;
  }

  function getBucket(ctx: CallContext, name: string): Bucket {
    const bucket = buckets()[name];
    if (!bucket) throw noSuchBucket(name);
    if (bucket.region !== ctx.region) {
      // A SigV4 request signed for another region is refused with the bucket's region named.
      throw new ServiceError(
        "AuthorizationHeaderMalformed",
        `The authorization header is malformed; the region '${ctx.region}' is wrong; expecting '${bucket.region}'`,
        400,
        { "x-amz-bucket-region": bucket.region },
      );
    }
    return bucket;
  }

  /** An operation on a bucket in the caller's region, needing `s3:<action>` on it. */
  function bucketOperation(action: string, run: (bucket: Bucket, input: Input) => Output): Operation {
    return operation({
      resolve: (input, ctx) => getBucket(ctx, reqString(input, "Bucket")),
      access: (bucket) => [s3Access(action, `arn:aws:s3:::${bucket.name}`, bucket)],
      run: (bucket, input) => run(bucket, input),
    });
  }

  /** An object operation: the bucket must exist in the caller's region; `s3:<action>` on the object ARN. */
  function objectTarget(input: Input, ctx: CallContext): { bucket: Bucket; key: string } {
    const name = reqString(input, "Bucket");
    const key = reqString(input, "Key");
    return { bucket: getBucket(ctx, name), key };
  }

  function viaS3(ctx: CallContext, bucket: Bucket): CallContext {
    return { ...ctx, region: bucket.region, viaService: `s3.${bucket.region}.amazonaws.com` };
  }

  function encryptionRule(input: Input): BucketEncryption {
    const algorithm = optString(input, "SSEAlgorithm");
    if (algorithm !== "AES256" && algorithm !== "aws:kms" && algorithm !== "aws:kms:dsse") {
      throw new ServiceError("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema", 400);
    }
    const rule: BucketEncryption = { sseAlgorithm: algorithm, bucketKeyEnabled: optBoolean(input, "BucketKeyEnabled") ?? false };
    const blocked = optStringList(input, "BlockedEncryptionTypes");
    if (blocked !== undefined) {
      if (blocked.length !== 1 || (blocked[0] !== "SSE-C" && blocked[0] !== "NONE")) {
        throw new ServiceError("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema", 400);
      }
      rule.blockedEncryptionTypes = [blocked[0]];
    }
    const keyId = optString(input, "KMSMasterKeyID");
    if (keyId) {
      if (algorithm === "AES256") {
        throw new ServiceError("InvalidArgument", "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse", 400);
      }
      rule.kmsMasterKeyId = keyId;
    }
    return rule;
  }

  /** The object's bytes, decrypting the data key through KMS as the caller for SSE-KMS, with the caller's key for SSE-C. */
  async function readBody(ctx: CallContext, bucket: Bucket, object: S3Object, customer: CustomerKey | undefined): Promise<Buffer> {
    const body = Buffer.from(object.body, "base64");
    if (object.customerKey && customer && object.iv && object.tag) return openWithCustomerKey(customer, body, object.iv, object.tag);
    if (object.sse !== "aws:kms" || !object.encryptedDataKey || !object.iv || !object.tag) return body;
    let out: Output;
    try {
      out = await kms.call("Decrypt", { CiphertextBlob: Buffer.from(object.encryptedDataKey, "base64"), EncryptionContext: object.encryptionContext ?? {} }, viaS3(ctx, bucket));
    } catch (error) {
      throw s3ErrorFromKms(error);
    }
    if (!(out.Plaintext instanceof Uint8Array)) throw new ServiceError("InternalError", "KMS returned no plaintext", 500);
    return openWithDataKey(Buffer.from(out.Plaintext), body, Buffer.from(object.iv, "base64"), Buffer.from(object.tag, "base64"));
  }

  /**
   * Stores an object as PutObject does: SSE-C with the request's customer key (if the bucket
   * allows it), else the requested or the bucket's default encryption. Returns the members a
   * write answers with.
   */
  async function writeObject(
    ctx: CallContext,
    bucket: Bucket,
    key: string,
    body: Buffer,
    input: Input,
    described: { metadata: Record<string, string>; contentType: string | undefined; checksum: StoredChecksum | undefined },
  ): Promise<Output> {
    const requested = optString(input, "ServerSideEncryption");
    const customer = readCustomerKey(input);
    if (customer && requested !== undefined) {
      throw new ServiceError("InvalidArgument", "Server Side Encryption with Customer provided key is incompatible with the encryption method specified", 400);
    }
    if (requested !== undefined && requested !== "AES256" && requested !== "aws:kms") {
      throw new ServiceError("InvalidArgument", "The encryption method specified is not supported", 400);
    }
    // Since April 2026 new buckets refuse SSE-C writes until their encryption configuration unblocks it.
    if (customer && blockedEncryptionTypes(bucket).EncryptionType.includes("SSE-C")) throw new ServiceError("AccessDenied", "Access Denied", 403);
    const defaults = bucket.encryption;
    // An SSE-C object is encrypted under the customer's key instead of the bucket default.
    const sse = customer ? "AES256" : (requested ?? (defaults?.sseAlgorithm === "AES256" || !defaults ? "AES256" : "aws:kms"));
    const object: S3Object = { key, body: "", size: body.length, etag: md5(body), lastModified: world.now().toISOString(), metadata: described.metadata, sse };
    if (described.contentType) object.contentType = described.contentType;
    if (described.checksum) object.checksum = described.checksum;
    if (customer) {
      const sealed = sealWithCustomerKey(customer, body);
      Object.assign(object, { body: sealed.body, iv: sealed.iv, tag: sealed.tag, customerKey: sealed.record });
    } else if (sse === "aws:kms") await sealWithKms(ctx, bucket, object, body, input, requested);
    else object.body = body.toString("base64");
    bucket.objects[key] = object;
    world.changed();
    const { AcceptRanges: _ranges, ContentLength: _length, LastModified: _modified, Metadata: _metadata, ContentType: _type, ...out } = objectHeaders(object, true);
    // Given a context, S3 answers with the one the object is encrypted under (with aws:s3:arn).
    if (object.encryptionContext && optString(input, "SSEKMSEncryptionContext")) {
      out.SSEKMSEncryptionContext = Buffer.from(JSON.stringify(object.encryptionContext)).toString("base64");
    }
    return out;
  }

  /** SSE-KMS: a data key from KMS, as the caller through S3, sealing the body. */
  async function sealWithKms(ctx: CallContext, bucket: Bucket, object: S3Object, body: Buffer, input: Input, requested: string | undefined): Promise<void> {
    const defaults = bucket.encryption;
    const headerKey = optString(input, "SSEKMSKeyId");
    // An explicit aws:kms header without a key id means the AWS managed key, not the bucket default.
    const keyId = headerKey ?? (requested === undefined ? defaults?.kmsMasterKeyId : undefined) ?? kms.awsManagedKeyArn(bucket.ownerAccountId, bucket.region, "s3");
    const bucketKey = optBoolean(input, "BucketKeyEnabled") ?? (requested === undefined || headerKey === undefined ? defaults?.bucketKeyEnabled ?? false : false);
    const userContextText = optString(input, "SSEKMSEncryptionContext");
    const encryptionContext = { ...(userContextText ? readEncryptionContext(userContextText) : {}), "aws:s3:arn": bucketKey ? `arn:aws:s3:::${bucket.name}` : `arn:aws:s3:::${bucket.name}/${object.key}` };
    let dataKey: Output;
    try {
      dataKey = await kms.call("GenerateDataKey", { KeyId: keyId, KeySpec: "AES_256", EncryptionContext: encryptionContext }, viaS3(ctx, bucket));
    } catch (error) {
      throw s3ErrorFromKms(error);
    }
    const plaintextKey = dataKey.Plaintext;
    const ciphertextKey = dataKey.CiphertextBlob;
    if (!(plaintextKey instanceof Uint8Array) || !(ciphertextKey instanceof Uint8Array) || typeof dataKey.KeyId !== "string") {
      throw new ServiceError("InternalError", "KMS returned no data key", 500);
    }
    const sealed = sealWithDataKey(Buffer.from(plaintextKey), body);
    Object.assign(object, {
      body: sealed.body.toString("base64"),
      iv: sealed.iv.toString("base64"),
      tag: sealed.tag.toString("base64"),
      encryptedDataKey: Buffer.from(ciphertextKey).toString("base64"),
      encryptionContext,
      kmsKeyArn: dataKey.KeyId,
      bucketKeyEnabled: bucketKey,
    });
  }

  const operations: Record<string, Operation> = {
    ListBuckets: operation({
      resolve: () => undefined,
      access: () => [s3Access("ListAllMyBuckets", "*")],
      run(_none, _input, ctx) {
        const list = Object.values(buckets())
          .filter((b) => b.ownerAccountId === ctx.principal.accountId)
          .map((b) => ({ Name: b.name, CreationDate: new Date(b.creationDate), BucketRegion: b.region }));
        return { Buckets: list, Owner: { ID: ctx.principal.accountId } };
      },
    }),

    CreateBucket: operation({
      resolve(input) {
        const name = reqString(input, "Bucket");
        if (!BUCKET_NAME.test(name) || name.includes("..")) throw new ServiceError("InvalidBucketName", "The specified bucket is not valid.", 400);
        return name;
      },
      access: (name) => [s3Access("CreateBucket", `arn:aws:s3:::${name}`)],
      run(name, input, ctx) {
        const constraint = optString(input, "LocationConstraint");
        const region = constraint || "us-east-1";
        if (region !== ctx.region) {
          throw new ServiceError(
            "IllegalLocationConstraintException",
            `The ${constraint ? `${constraint} location constraint` : "unspecified location constraint"} is incompatible for the region specific endpoint this request was sent to.`,
            400,
          );
        }
        const existing = buckets()[name];
        if (existing) {
          if (existing.ownerAccountId !== ctx.principal.accountId) {
            throw new ServiceError("BucketAlreadyExists", "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.", 409);
          }
          // us-east-1 answers 200 to re-creating your own bucket; other regions refuse.
          if (existing.region === "us-east-1" && region === "us-east-1") return { Location: `/${name}` };
          throw new ServiceError("BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.", 409);
        }
        buckets()[name] = { name, ownerAccountId: ctx.principal.accountId, region, creationDate: world.now().toISOString(), objects: {} };
        world.changed();
        return { Location: `/${name}` };
      },
    }),

    HeadBucket: operation({
      resolve(input) {
        const bucket = buckets()[reqString(input, "Bucket")];
        if (!bucket) throw new ServiceError("NotFound", "Not Found", 404);
        return bucket;
      },
      access: (bucket) => [s3Access("ListBucket", `arn:aws:s3:::${bucket.name}`, bucket)],
      run(bucket, _input, ctx) {
        if (bucket.region !== ctx.region) throw new ServiceError("PermanentRedirect", "Moved Permanently", 301, { "x-amz-bucket-region": bucket.region });
        return { BucketRegion: bucket.region };
      },
    }),

    // Answers from any region: it is how a client finds a bucket's region.
    GetBucketLocation: operation({
      resolve(input) {
        const name = reqString(input, "Bucket");
        const bucket = buckets()[name];
        if (!bucket) throw noSuchBucket(name);
        return bucket;
      },
      access: (bucket) => [s3Access("GetBucketLocation", `arn:aws:s3:::${bucket.name}`, bucket)],
      run: (bucket) => ({ LocationConstraint: bucket.region === "us-east-1" ? "" : bucket.region }),
    }),

    DeleteBucket: bucketOperation("DeleteBucket", (bucket) => {
      if (Object.keys(bucket.objects).length > 0) throw new ServiceError("BucketNotEmpty", "The bucket you tried to delete is not empty", 409);
      delete buckets()[bucket.name];
      world.changed();
      return {};
    }),

    PutBucketEncryption: bucketOperation("PutEncryptionConfiguration", (bucket, input) => {
      const rules = input.Rules;
      if (!Array.isArray(rules) || rules.length !== 1 || !isRecord(rules[0])) {
        throw new ServiceError("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema", 400);
      }
      bucket.encryption = encryptionRule(rules[0]);
      world.changed();
      return {};
    }),

    GetBucketEncryption: bucketOperation("GetEncryptionConfiguration", (bucket) => {
      // Since January 2023 every bucket has SSE-S3 as its default.
      const enc = bucket.encryption ?? { sseAlgorithm: "AES256", bucketKeyEnabled: false };
      const rule: Output = { SSEAlgorithm: enc.sseAlgorithm, BucketKeyEnabled: enc.bucketKeyEnabled, BlockedEncryptionTypes: blockedEncryptionTypes(bucket) };
      if (enc.kmsMasterKeyId) rule.KMSMasterKeyID = enc.kmsMasterKeyId;
      return { Rules: [rule] };
    }),

    DeleteBucketEncryption: bucketOperation("PutEncryptionConfiguration", (bucket) => {
      delete bucket.encryption;
      world.changed();
      return {};
    }),

    PutPublicAccessBlock: bucketOperation("PutBucketPublicAccessBlock", (bucket, input) => {
      const cfg = isRecord(input.PublicAccessBlockConfiguration) ? input.PublicAccessBlockConfiguration : {};
      bucket.publicAccessBlock = {
        BlockPublicAcls: optBoolean(cfg, "BlockPublicAcls") ?? false,
        IgnorePublicAcls: optBoolean(cfg, "IgnorePublicAcls") ?? false,
        BlockPublicPolicy: optBoolean(cfg, "BlockPublicPolicy") ?? false,
        RestrictPublicBuckets: optBoolean(cfg, "RestrictPublicBuckets") ?? false,
      };
      world.changed();
      return {};
    }),

    GetPublicAccessBlock: bucketOperation("GetBucketPublicAccessBlock", (bucket) => {
      if (!bucket.publicAccessBlock) {
        throw new ServiceError("NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found", 404);
      }
      return { PublicAccessBlockConfiguration: { ...bucket.publicAccessBlock } };
    }),

    PutObject: operation({
      resolve: (input, ctx) => objectTarget(input, ctx),
      access: ({ bucket, key }) => [s3Access("PutObject", `arn:aws:s3:::${bucket.name}/${key}`, bucket)],
      async run({ bucket, key }, input, ctx) {
        const body = optBlob(input, "Body") ?? Buffer.alloc(0);
        const checksum = verifyChecksum(input, body);
        return writeObject(ctx, bucket, key, body, input, { metadata: optStringMap(input, "Metadata") ?? {}, contentType: optString(input, "ContentType"), checksum });
      },
    }),

    // A copy within the sandbox's buckets: s3:GetObject on the source and s3:PutObject on the
    // target; the target is encrypted as a PutObject with the same headers would be.
    CopyObject: operation({
      resolve(input, ctx) {
        const target = objectTarget(input, ctx);
        const source = readCopySource(reqString(input, "CopySource", "InvalidArgument"));
        const sourceBucket = buckets()[source.bucket];
        if (!sourceBucket) throw noSuchBucket(source.bucket);
        return { ...target, sourceBucket, sourceKey: source.key };
      },
      access: ({ bucket, key, sourceBucket, sourceKey }) => [
        s3Access("GetObject", `arn:aws:s3:::${sourceBucket.name}/${sourceKey}`, sourceBucket),
        s3Access("PutObject", `arn:aws:s3:::${bucket.name}/${key}`, bucket),
      ],
      async run({ bucket, key, sourceBucket, sourceKey }, input, ctx) {
        const source = sourceBucket.objects[sourceKey];
        if (!source) throw new ServiceError("NoSuchKey", "The specified key does not exist.", 404);
        const sourceCustomer = readCustomerKey(input, "CopySource");
        checkCustomerKeyForRead(source.customerKey, sourceCustomer);
        const directive = optString(input, "MetadataDirective") ?? "COPY";
        if (directive !== "COPY" && directive !== "REPLACE") throw new ServiceError("InvalidArgument", "Unknown metadata directive.", 400);
        const changesEncryption = ["ServerSideEncryption", "SSECustomerAlgorithm", "SSEKMSKeyId"].some((name) => optString(input, name) !== undefined);
        if (sourceBucket === bucket && sourceKey === key && directive === "COPY" && !changesEncryption) {
          throw new ServiceError(
            "InvalidRequest",
            "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
            400,
          );
        }
        const body = await readBody(ctx, sourceBucket, source, sourceCustomer);
        const described =
          directive === "REPLACE"
            ? { metadata: optStringMap(input, "Metadata") ?? {}, contentType: optString(input, "ContentType"), checksum: source.checksum }
            : { metadata: { ...source.metadata }, contentType: source.contentType, checksum: source.checksum };
        const written = await writeObject(ctx, bucket, key, body, input, described);
        // ETag, LastModified and checksums travel in the CopyObjectResult body; encryption in headers.
        const result: Output = { LastModified: new Date(bucket.objects[key]?.lastModified ?? world.now().toISOString()) };
        const headers: Output = {};
        for (const [name, value] of Object.entries(written)) {
          if (name === "ETag" || name.startsWith("Checksum")) result[name] = value;
          else headers[name] = value;
        }
        return { ...headers, CopyObjectResult: result };
      },
    }),

    GetObject: operation({
      resolve: (input, ctx) => objectTarget(input, ctx),
      access: ({ bucket, key }) => [s3Access("GetObject", `arn:aws:s3:::${bucket.name}/${key}`, bucket)],
      async run({ bucket, key }, input, ctx) {
        const object = bucket.objects[key];
        if (!object) throw new ServiceError("NoSuchKey", "The specified key does not exist.", 404);
        const customer = readCustomerKey(input);
        checkCustomerKeyForRead(object.customerKey, customer);
        return { ...objectHeaders(object, checksumMode(input)), Body: await readBody(ctx, bucket, object, customer) };
      },
    }),

    // HEAD has no body to carry an error code: a missing bucket or key is a bare 404.
    HeadObject: operation({
      resolve(input, ctx) {
        const bucket = buckets()[reqString(input, "Bucket")];
        const key = reqString(input, "Key");
        if (!bucket) throw new ServiceError("NotFound", "Not Found", 404);
        if (bucket.region !== ctx.region) throw new ServiceError("BadRequest", "Bad Request", 400, { "x-amz-bucket-region": bucket.region });
        return { bucket, key };
      },
      access: ({ bucket, key }) => [s3Access("GetObject", `arn:aws:s3:::${bucket.name}/${key}`, bucket)],
      run({ bucket, key }, input) {
        const object = bucket.objects[key];
        if (!object) throw new ServiceError("NotFound", "Not Found", 404);
        checkCustomerKeyForRead(object.customerKey, readCustomerKey(input));
        return objectHeaders(object, checksumMode(input));
      },
    }),

    DeleteObject: operation({
      resolve: (input, ctx) => objectTarget(input, ctx),
      access: ({ bucket, key }) => [s3Access("DeleteObject", `arn:aws:s3:::${bucket.name}/${key}`, bucket)],
      run({ bucket, key }) {
        delete bucket.objects[key];
        world.changed();
        return {};
      },
    }),

    ListObjectsV2: bucketOperation("ListBucket", (bucket, input) => listObjects(bucket, input)),
  };

  return { name: "s3", operations, accessDenied: { code: "AccessDenied", status: 403 } };
}

function listObjects(bucket: Bucket, input: Input): Output {
  const prefix = optString(input, "Prefix") ?? "";
  const delimiter = optString(input, "Delimiter");
  const maxKeys = Math.min(optNumber(input, "MaxKeys") ?? 1000, 1000);
  const token = optString(input, "ContinuationToken");
  const startAfter = token ? Buffer.from(token, "base64url").toString("utf8") : optString(input, "StartAfter") ?? "";
  const keys = Object.keys(bucket.objects)
    .filter((k) => k.startsWith(prefix) && k > startAfter)
    .sort();
  const contents: Output[] = [];
  const prefixes = new Set<string>();
  let last = "";
  let truncated = false;
  for (const k of keys) {
    if (contents.length + prefixes.size >= maxKeys) {
      truncated = true;
      break;
    }
    if (delimiter) {
      const rest = k.slice(prefix.length);
      const at = rest.indexOf(delimiter);
      if (at >= 0) {
        prefixes.add(prefix + rest.slice(0, at + delimiter.length));
        last = k;
        continue;
      }
    }
    const o = bucket.objects[k];
    if (!o) continue;
    contents.push({ Key: o.key, LastModified: new Date(o.lastModified), ETag: o.etag, Size: o.size, StorageClass: "STANDARD" });
    last = k;
  }
  const out: Output = {
    Name: bucket.name,
    Prefix: prefix,
    KeyCount: contents.length + prefixes.size,
    MaxKeys: maxKeys,
    IsTruncated: truncated,
    Contents: contents,
    CommonPrefixes: [...prefixes].map((p) => ({ Prefix: p })),
  };
  if (delimiter) out.Delimiter = delimiter;
  if (token) out.ContinuationToken = token;
  if (truncated) out.NextContinuationToken = Buffer.from(last).toString("base64url");
  return out;
}

/** `x-amz-copy-source`: `bucket/key` or `/bucket/key`, URL-encoded; versions are not kept by the sandbox. */
function readCopySource(text: string): { bucket: string; key: string } {
  const [path = "", query] = text.split("?");
  if (query !== undefined && query.startsWith("versionId=")) throw new ServiceError("NotImplemented", "The sandbox keeps no object versions.", 501);
  let decoded: string;
  try {
    decoded = decodeURIComponent(path).replace(/^\//, "");
  } catch {
    decoded = "";
  }
  const slash = decoded.indexOf("/");
  if (slash <= 0 || slash === decoded.length - 1) throw new ServiceError("InvalidArgument", "Invalid copy source object key", 400);
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
}

/** `x-amz-checksum-mode: ENABLED` asks a read for the object's stored checksum. */
function checksumMode(input: Input): boolean {
  const mode = optString(input, "ChecksumMode");
  if (mode !== undefined && mode !== "ENABLED") throw new ServiceError("InvalidArgument", "Value for x-amz-checksum-mode header is invalid.", 400);
  return mode === "ENABLED";
}

/** The bucket's BlockedEncryptionTypes; a bucket never configured blocks SSE-C, as new buckets do since April 2026. */
function blockedEncryptionTypes(bucket: Bucket): { EncryptionType: string[] } {
  return { EncryptionType: [...(bucket.encryption?.blockedEncryptionTypes ?? ["SSE-C"])] };
}

/** The members describing a stored object; its checksum only when asked for. */
function objectHeaders(object: S3Object, withChecksum: boolean): Output {
  const out: Output = {
    AcceptRanges: "bytes",
    ETag: object.etag,
    ContentLength: object.size,
    LastModified: new Date(object.lastModified),
    Metadata: object.metadata,
  };
  // SSE-C objects report the customer algorithm and key MD5 instead of x-amz-server-side-encryption.
  if (object.customerKey) {
    out.SSECustomerAlgorithm = object.customerKey.algorithm;
    out.SSECustomerKeyMD5 = object.customerKey.keyMd5;
  } else out.ServerSideEncryption = object.sse;
  if (withChecksum && object.checksum) Object.assign(out, checksumOutput(object.checksum));
  if (object.contentType) out.ContentType = object.contentType;
  if (object.kmsKeyArn) out.SSEKMSKeyId = object.kmsKeyArn;
  if (object.bucketKeyEnabled) out.BucketKeyEnabled = true;
  return out;
}
