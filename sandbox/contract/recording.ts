/**
 * SDK clients whose HTTP handler keeps a copy of each raw answer (status, headers, body bytes)
 * before the SDK parses it, so a test can hold the wire itself against the model.
 */
import { Readable } from "node:stream";
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { KMSClient } from "@aws-sdk/client-kms";
import { RDSClient } from "@aws-sdk/client-rds";
import { S3Client } from "@aws-sdk/client-s3";
import { STSClient } from "@aws-sdk/client-sts";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { Identity } from "../test-support";
import type { RawResponse } from "./shape-check";

async function readAll(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (typeof body === "string") return Buffer.from(body);
  if (body instanceof Readable) {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
    return Buffer.concat(chunks);
  }
  throw new Error("unexpected response body type");
}

export class RecordingHandler extends NodeHttpHandler {
  private last: (RawResponse & { method: string }) | undefined;

  override async handle(...args: Parameters<NodeHttpHandler["handle"]>): ReturnType<NodeHttpHandler["handle"]> {
    const [request] = args;
    const result = await super.handle(...args);
    const body = await readAll(result.response.body);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(result.response.headers)) headers[name.toLowerCase()] = value;
    this.last = { status: result.response.statusCode, headers, body, method: request.method };
    // The SDK reads the same bytes it would have read from the socket.
    result.response.body = Readable.from([body]);
    return result;
  }

  /** Runs one call and returns the raw answer it got (the call's own result or error is kept too). */
  async capture<T>(call: () => Promise<T>): Promise<{ raw: RawResponse & { method: string }; result: T }> {
    this.last = undefined;
    const result = await call();
    if (!this.last) throw new Error("the call made no HTTP request");
    return { raw: this.last, result };
  }
}

export interface RecordingClients {
  handler: RecordingHandler;
  kms: KMSClient;
  s3: S3Client;
  rds: RDSClient;
  sts: STSClient;
  cloudformation: CloudFormationClient;
}

/** Clients for a sandbox identity (as `clientsFor` builds them) that record raw answers. */
export function recordingClients(url: string, identity: Identity, region = "us-east-1"): RecordingClients {
  const handler = new RecordingHandler();
  const config = { region, endpoint: url, credentials: { accessKeyId: identity, secretAccessKey: identity }, maxAttempts: 1, requestHandler: handler };
  return {
    handler,
    kms: new KMSClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    rds: new RDSClient(config),
    sts: new STSClient(config),
    cloudformation: new CloudFormationClient(config),
  };
}
