/**
 * S3's REST-XML protocol, path-style (`/bucket/key`): the method, path and query pick the
 * operation; headers and XML bodies carry the input; object metadata travels in headers.
 */
import { ServiceError } from "../errors";
import type { Input } from "../input";
import { isRecord } from "../input";
import { type Output, type Service, type World, invoke } from "../world";
import { child, childText, escapeXml, parseXml } from "./xml";
import type { WireRequest, WireResponse } from "./wire";

const S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/";

export function s3Error(error: ServiceError, requestId: string, method: string, resource: string): WireResponse {
  const headers: Record<string, string> = { "x-amz-request-id": requestId, "x-amz-id-2": requestId, ...error.headers };
  delete headers["x-sandbox-bucket"];
  // HEAD responses carry no body; the SDK reads the status alone.
  if (method === "HEAD") return { status: error.status, headers, body: "" };
  const extra = error.headers["x-sandbox-bucket"] ? `<BucketName>${escapeXml(error.headers["x-sandbox-bucket"])}</BucketName>` : "";
  const region = error.headers["x-amz-bucket-region"] ? `<Region>${escapeXml(error.headers["x-amz-bucket-region"])}</Region>` : "";
  return {
    status: error.status,
    headers: { ...headers, "content-type": "application/xml" },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message>${extra}${region}<Resource>${escapeXml(resource)}</Resource><RequestId>${requestId}</RequestId><HostId>${requestId}</HostId></Error>`,
  };
}

/**
 * Decodes `Content-Encoding: aws-chunked` bodies (streaming uploads): the data, and the
 * trailing headers after the last chunk (`x-amz-checksum-crc32:<base64>`), names lower-cased.
 */
export function decodeAwsChunked(body: Buffer): { data: Buffer; trailers: Record<string, string> } {
  const parts: Buffer[] = [];
  const trailers: Record<string, string> = {};
  let offset = 0;
  while (offset < body.length) {
    const lineEnd = body.indexOf("\r\n", offset);
    if (lineEnd < 0) break;
    const header = body.subarray(offset, lineEnd).toString("latin1");
    const size = parseInt(header.split(";")[0] ?? "", 16);
    if (!Number.isFinite(size)) break;
    offset = lineEnd + 2;
    if (size === 0) break;
    parts.push(body.subarray(offset, offset + size));
    offset += size + 2;
  }
  // After the zero-length chunk: trailer lines until an empty line.
  for (const line of body.subarray(offset).toString("latin1").split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { data: Buffer.concat(parts), trailers };
}

/** Request headers naming a customer-provided (SSE-C) key. */
function customerKeyInput(h: WireRequest["headers"]): Input {
  return {
    SSECustomerAlgorithm: h["x-amz-server-side-encryption-customer-algorithm"],
    SSECustomerKey: h["x-amz-server-side-encryption-customer-key"],
    SSECustomerKeyMD5: h["x-amz-server-side-encryption-customer-key-md5"],
  };
}

const CHECKSUM_HEADERS: Record<string, string> = {
  "x-amz-checksum-crc32": "ChecksumCRC32",
  "x-amz-checksum-crc32c": "ChecksumCRC32C",
  "x-amz-checksum-crc64nvme": "ChecksumCRC64NVME",
  "x-amz-checksum-sha1": "ChecksumSHA1",
  "x-amz-checksum-sha256": "ChecksumSHA256",
};

/** Additional checksums, from headers or (streaming uploads, announced in `x-amz-trailer`) from trailers. */
function checksumInput(h: WireRequest["headers"], trailers: Record<string, string>): Input {
  const input: Input = { ChecksumAlgorithm: h["x-amz-sdk-checksum-algorithm"] };
  const announced = (h["x-amz-trailer"] ?? "").split(",").map((name) => name.trim().toLowerCase());
  for (const [header, member] of Object.entries(CHECKSUM_HEADERS)) {
    const value = h[header] ?? (announced.includes(header) ? trailers[header] : undefined);
    if (value !== undefined) input[member] = value;
  }
  return input;
}

interface Route {
  operation: string;
  input: Input;
}

function route(req: WireRequest): Route {
  const segments = req.path.replace(/^\//, "");
  const slash = segments.indexOf("/");
  const bucket = slash < 0 ? segments : segments.slice(0, slash);
  const key = slash < 0 ? "" : segments.slice(slash + 1);
  const q = req.query;
  const h = req.headers;
  const method = req.method;
  if (!bucket) {
    if (method === "GET") return { operation: "ListBuckets", input: {} };
    throw new ServiceError("MethodNotAllowed", "The specified method is not allowed against this resource.", 405);
  }
  if (!key) {
    const input: Input = { Bucket: bucket };
    if (method === "PUT" && q.has("encryption")) return { operation: "PutBucketEncryption", input: { ...input, Rules: parseEncryption(req.body) } };
    if (method === "GET" && q.has("encryption")) return { operation: "GetBucketEncryption", input };
    if (method === "DELETE" && q.has("encryption")) return { operation: "DeleteBucketEncryption", input };
    if (method === "PUT" && q.has("publicAccessBlock")) {
      return { operation: "PutPublicAccessBlock", input: { ...input, PublicAccessBlockConfiguration: parsePublicAccessBlock(req.body) } };
    }
    if (method === "GET" && q.has("publicAccessBlock")) return { operation: "GetPublicAccessBlock", input };
    if (method === "GET" && q.has("location")) return { operation: "GetBucketLocation", input };
    if (method === "PUT") {
      const doc = req.body.length > 0 ? parseXml(req.body.toString("utf8")) : undefined;
      const constraint = childText(doc, "LocationConstraint");
      return { operation: "CreateBucket", input: constraint ? { ...input, LocationConstraint: constraint } : input };
    }
    if (method === "HEAD") return { operation: "HeadBucket", input };
    if (method === "DELETE") return { operation: "DeleteBucket", input };
    if (method === "GET" && q.get("list-type") === "2") {
      return {
        operation: "ListObjectsV2",
        input: {
          ...input,
          Prefix: q.get("prefix") ?? undefined,
          Delimiter: q.get("delimiter") ?? undefined,
          MaxKeys: q.get("max-keys") ?? undefined,
          ContinuationToken: q.get("continuation-token") ?? undefined,
          StartAfter: q.get("start-after") ?? undefined,
        },
      };
    }
    throw new ServiceError("NotImplemented", "A header you provided implies functionality that is not implemented", 501);
  }
  const input: Input = { Bucket: bucket, Key: key };
  if (method === "PUT") {
    if (q.has("uploads") || q.has("uploadId") || q.has("tagging") || q.has("acl")) {
      throw new ServiceError("NotImplemented", "A header you provided implies functionality that is not implemented", 501);
    }
    const encoding = h["content-encoding"] ?? "";
    const streaming = (h["x-amz-content-sha256"] ?? "").startsWith("STREAMING-") || encoding.includes("aws-chunked");
    const decoded = streaming ? decodeAwsChunked(req.body) : { data: req.body, trailers: {} };
    const metadata: Record<string, string> = {};
    for (const [name, value] of Object.entries(h)) {
      if (name.startsWith("x-amz-meta-") && value !== undefined) metadata[name.slice("x-amz-meta-".length)] = value;
    }
    const encryption: Input = {
      ServerSideEncryption: h["x-amz-server-side-encryption"],
      SSEKMSKeyId: h["x-amz-server-side-encryption-aws-kms-key-id"],
      SSEKMSEncryptionContext: h["x-amz-server-side-encryption-context"],
      BucketKeyEnabled: h["x-amz-server-side-encryption-bucket-key-enabled"],
      ...customerKeyInput(h),
    };
    const copySource = h["x-amz-copy-source"];
    if (copySource !== undefined) {
      return {
        operation: "CopyObject",
        input: {
          ...input,
          ...encryption,
          CopySource: copySource,
          MetadataDirective: h["x-amz-metadata-directive"],
          ContentType: h["content-type"],
          Metadata: metadata,
          CopySourceSSECustomerAlgorithm: h["x-amz-copy-source-server-side-encryption-customer-algorithm"],
          CopySourceSSECustomerKey: h["x-amz-copy-source-server-side-encryption-customer-key"],
          CopySourceSSECustomerKeyMD5: h["x-amz-copy-source-server-side-encryption-customer-key-md5"],
        },
      };
    }
    return {
      operation: "PutObject",
      input: {
        ...input,
        Body: decoded.data,
        ContentType: h["content-type"],
        Metadata: metadata,
        ...encryption,
        ...checksumInput(h, decoded.trailers),
      },
    };
  }
  const readInput: Input = { ...input, ...customerKeyInput(h), ChecksumMode: h["x-amz-checksum-mode"] };
  if (method === "GET") return { operation: "GetObject", input: readInput };
  if (method === "HEAD") return { operation: "HeadObject", input: readInput };
  if (method === "DELETE") return { operation: "DeleteObject", input };
  throw new ServiceError("MethodNotAllowed", "The specified method is not allowed against this resource.", 405);
}

function parseEncryption(body: Buffer): Input[] {
  const doc = parseXml(body.toString("utf8"));
  if (!doc || doc.name !== "ServerSideEncryptionConfiguration") {
    throw new ServiceError("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema", 400);
  }
  return doc.children
    .filter((c) => c.name === "Rule")
    .map((rule) => {
      const apply = child(rule, "ApplyServerSideEncryptionByDefault");
      const blocked = child(rule, "BlockedEncryptionTypes");
      return {
        SSEAlgorithm: childText(apply, "SSEAlgorithm"),
        KMSMasterKeyID: childText(apply, "KMSMasterKeyID"),
        BucketKeyEnabled: childText(rule, "BucketKeyEnabled"),
        // A flattened list: one EncryptionType element per value.
        BlockedEncryptionTypes: blocked ? blocked.children.filter((c) => c.name === "EncryptionType").map((c) => c.text.trim()) : undefined,
      };
    });
}

function parsePublicAccessBlock(body: Buffer): Input {
  const doc = parseXml(body.toString("utf8"));
  return {
    BlockPublicAcls: childText(doc, "BlockPublicAcls"),
    IgnorePublicAcls: childText(doc, "IgnorePublicAcls"),
    BlockPublicPolicy: childText(doc, "BlockPublicPolicy"),
    RestrictPublicBuckets: childText(doc, "RestrictPublicBuckets"),
  };
}

function xmlValue(name: string, value: unknown): string {
  if (value === undefined || value === null) return "";
  if (value instanceof Date) return `<${name}>${value.toISOString()}</${name}>`;
  if (isRecord(value)) return `<${name}>${Object.entries(value).map(([k, v]) => xmlValue(k, v)).join("")}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

function objectResponseHeaders(out: Output): Record<string, string> {
  const headers: Record<string, string> = {};
  if (typeof out.AcceptRanges === "string") headers["accept-ranges"] = out.AcceptRanges;
  if (typeof out.ETag === "string") headers.etag = out.ETag;
  if (out.LastModified instanceof Date) headers["last-modified"] = out.LastModified.toUTCString();
  if (typeof out.ContentType === "string") headers["content-type"] = out.ContentType;
  if (typeof out.ServerSideEncryption === "string") headers["x-amz-server-side-encryption"] = out.ServerSideEncryption;
  if (typeof out.SSEKMSKeyId === "string") headers["x-amz-server-side-encryption-aws-kms-key-id"] = out.SSEKMSKeyId;
  if (out.BucketKeyEnabled === true) headers["x-amz-server-side-encryption-bucket-key-enabled"] = "true";
  if (typeof out.SSEKMSEncryptionContext === "string") headers["x-amz-server-side-encryption-context"] = out.SSEKMSEncryptionContext;
  if (typeof out.SSECustomerAlgorithm === "string") headers["x-amz-server-side-encryption-customer-algorithm"] = out.SSECustomerAlgorithm;
  if (typeof out.SSECustomerKeyMD5 === "string") headers["x-amz-server-side-encryption-customer-key-md5"] = out.SSECustomerKeyMD5;
  for (const [header, member] of Object.entries(CHECKSUM_HEADERS)) {
    const value = out[member];
    if (typeof value === "string") headers[header] = value;
  }
  if (typeof out.ChecksumType === "string") headers["x-amz-checksum-type"] = out.ChecksumType;
  if (isRecord(out.Metadata)) {
    for (const [k, v] of Object.entries(out.Metadata)) if (typeof v === "string") headers[`x-amz-meta-${k}`] = v;
  }
  return headers;
}

function render(operation: string, out: Output): { headers: Record<string, string>; body: Buffer | string; status?: number } {
  const xml = (name: string, inner: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<${name} xmlns="${S3_NS}">${inner}</${name}>`;
  switch (operation) {
    case "ListBuckets": {
      const list = Array.isArray(out.Buckets) ? out.Buckets : [];
      const owner = isRecord(out.Owner) ? xmlValue("Owner", out.Owner) : "";
      return { headers: {}, body: xml("ListAllMyBucketsResult", `${owner}<Buckets>${list.map((b) => xmlValue("Bucket", b)).join("")}</Buckets>`) };
    }
    case "CreateBucket":
      return { headers: { location: String(out.Location ?? "") }, body: "" };
    case "HeadBucket":
      return { headers: { "x-amz-bucket-region": String(out.BucketRegion ?? "") }, body: "" };
    case "GetBucketLocation":
      return { headers: {}, body: `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="${S3_NS}">${escapeXml(String(out.LocationConstraint ?? ""))}</LocationConstraint>` };
    case "DeleteBucket":
    case "DeleteBucketEncryption":
    case "DeleteObject":
      return { headers: {}, body: "", status: 204 };
    case "GetBucketEncryption": {
      const rules = Array.isArray(out.Rules) ? out.Rules : [];
      const inner = rules
        .map((r) => {
          if (!isRecord(r)) return "";
          const apply = xmlValue("ApplyServerSideEncryptionByDefault", { SSEAlgorithm: r.SSEAlgorithm, KMSMasterKeyID: r.KMSMasterKeyID });
          const blocked = isRecord(r.BlockedEncryptionTypes) && Array.isArray(r.BlockedEncryptionTypes.EncryptionType) ? r.BlockedEncryptionTypes.EncryptionType : undefined;
          const blockedXml = blocked ? `<BlockedEncryptionTypes>${blocked.map((t) => xmlValue("EncryptionType", t)).join("")}</BlockedEncryptionTypes>` : "";
          return `<Rule>${apply}${xmlValue("BucketKeyEnabled", r.BucketKeyEnabled)}${blockedXml}</Rule>`;
        })
        .join("");
      return { headers: {}, body: xml("ServerSideEncryptionConfiguration", inner) };
    }
    case "GetPublicAccessBlock":
      return { headers: {}, body: xml("PublicAccessBlockConfiguration", isRecord(out.PublicAccessBlockConfiguration) ? Object.entries(out.PublicAccessBlockConfiguration).map(([k, v]) => xmlValue(k, v)).join("") : "") };
    case "PutObject":
      return { headers: objectResponseHeaders(out), body: "" };
    case "CopyObject": {
      const result = isRecord(out.CopyObjectResult) ? out.CopyObjectResult : {};
      return { headers: objectResponseHeaders(out), body: xml("CopyObjectResult", Object.entries(result).map(([k, v]) => xmlValue(k, v)).join("")) };
    }
    case "GetObject": {
      const body = out.Body instanceof Uint8Array ? Buffer.from(out.Body) : Buffer.alloc(0);
      return { headers: { ...objectResponseHeaders(out), "content-length": String(body.length) }, body };
    }
    case "HeadObject":
      return { headers: { ...objectResponseHeaders(out), "content-length": String(out.ContentLength ?? 0) }, body: "" };
    case "ListObjectsV2": {
      const contents = Array.isArray(out.Contents) ? out.Contents.map((c) => xmlValue("Contents", c)).join("") : "";
      const prefixes = Array.isArray(out.CommonPrefixes) ? out.CommonPrefixes.map((c) => xmlValue("CommonPrefixes", c)).join("") : "";
      const scalars = ["Name", "Prefix", "Delimiter", "KeyCount", "MaxKeys", "IsTruncated", "ContinuationToken", "NextContinuationToken"]
        .map((k) => xmlValue(k, out[k]))
        .join("");
      return { headers: {}, body: xml("ListBucketResult", `${scalars}${contents}${prefixes}`) };
    }
    default:
      return { headers: {}, body: "" };
  }
}

export async function handleRestXml(world: World, service: Service, req: WireRequest): Promise<WireResponse> {
  try {
    const r = route(req);
    const out = await invoke(world, service, r.operation, r.input, { principal: req.principal, region: req.region, requestId: req.requestId }, req.scope);
    const rendered = render(r.operation, out);
    const headers: Record<string, string> = { "x-amz-request-id": req.requestId, "x-amz-id-2": req.requestId, ...rendered.headers };
    if (typeof rendered.body === "string" && rendered.body.length > 0 && !headers["content-type"]) headers["content-type"] = "application/xml";
    return { status: rendered.status ?? 200, headers, body: rendered.body };
  } catch (error) {
    if (error instanceof ServiceError) return s3Error(error, req.requestId, req.method, req.path);
    throw error;
  }
}
