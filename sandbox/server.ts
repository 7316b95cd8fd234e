/**
 * The sandbox HTTP server: one port for every service. The SigV4 credential scope names
 * the service and region; the access key id names the principal. Loopback only.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { ServiceError } from "./errors";
import { principalForAccessKey } from "./identities";
import { handleControl } from "./control";
import { handleJson, jsonError } from "./protocol/json";
import { handleQuery, queryError } from "./protocol/query";
import { malformResponse } from "./protocol/malformed";
import { handleRestXml, s3Error } from "./protocol/rest-xml";
import { hasAuthorization, readCredential } from "./protocol/sigv4";
import type { WireRequest, WireResponse } from "./protocol/wire";
import { createKmsService } from "./services/kms/handlers";
import { createS3Service } from "./services/s3/handlers";
import { createStsService, sessionPrincipal } from "./services/sts/handlers";
import { RDS_MEMBER_NAMES, createRdsService } from "./services/rds/handlers";
import { createCloudFormationService } from "./services/cloudformation/handlers";
import { createIamService } from "./services/iam/handlers";
import { createLogsService } from "./services/logs/handlers";
import { StateStore, loadSnapshot } from "./state";
import { type RequestScope, World } from "./world";

export interface SandboxOptions {
  /** 0 picks a free port. Default 4566. */
  port?: number;
  host?: "127.0.0.1";
  /** JSON persistence: loaded on start; every change is on disk before its call is answered. */
  stateFile?: string;
  /** How long a new Aurora cluster stays `creating` (a deleted one `deleting`, a started one `starting`). Default 2000. */
  rdsCreateDelayMs?: number;
  /** How long after RDS loses the use of its KMS key a cluster turns inaccessible. Default 5000. */
  rdsKeyLossDelayMs?: number;
  /** The sandbox's clock (default: the wall clock); in-process tests move their own. */
  now?: () => Date;
  log?: (line: string) => void;
  /** How injected latency is waited out (default: a timer). */
  sleep?: (ms: number) => Promise<void>;
}

export interface RunningSandbox {
  url: string;
  port: number;
  close(): Promise<void>;
  reset(): void;
}

type Protocol = "json" | "query" | "rest-xml";

function protocolOf(service: string): Protocol | undefined {
  if (service === "kms" || service === "logs") return "json";
  if (service === "s3") return "rest-xml";
  if (service === "sts" || service === "rds" || service === "cloudformation" || service === "iam") return "query";
  return undefined;
}

function errorFor(protocol: Protocol, error: ServiceError, requestId: string, method: string, path: string): WireResponse {
  if (protocol === "json") return jsonError(error, requestId);
  if (protocol === "query") return queryError(error, requestId);
  return s3Error(error, requestId, method, path);
}

function guessProtocol(headers: http.IncomingHttpHeaders): Protocol {
  if (headers["x-amz-target"]) return "json";
  if (String(headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) return "query";
  return "rest-xml";
}

/** How each protocol refuses a request without usable credentials. */
function authError(protocol: Protocol, kind: "missing" | "unknown" | "expired"): ServiceError {
  if (kind === "expired") {
    if (protocol === "json") return new ServiceError("ExpiredTokenException", "The security token included in the request is expired", 400);
    if (protocol === "query") return new ServiceError("ExpiredToken", "The security token included in the request is expired", 403);
    return new ServiceError("ExpiredToken", "The provided token has expired.", 400);
  }
  if (protocol === "json") {
    return kind === "missing"
      ? new ServiceError("MissingAuthenticationTokenException", "Missing Authentication Token", 400)
      : new ServiceError("UnrecognizedClientException", "The security token included in the request is invalid.", 400);
  }
  if (protocol === "query") {
    return kind === "missing"
      ? new ServiceError("MissingAuthenticationToken", "Request is missing Authentication Token", 403)
      : new ServiceError("InvalidClientTokenId", "The security token included in the request is invalid.", 403);
  }
  return kind === "missing"
    ? new ServiceError("AccessDenied", "Access Denied", 403)
    : new ServiceError("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", 403);
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function decodePath(rawPath: string): string {
  return rawPath
    .split("/")
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    })
    .join("/");
}

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const log = options.log ?? (() => undefined);
  const stateFile = options.stateFile;
  const snapshot = loadSnapshot(stateFile);
  const world = new World(snapshot.state, {
    trail: snapshot.trail,
    rdsCreateDelayMs: options.rdsCreateDelayMs ?? 2000,
    rdsKeyLossDelayMs: options.rdsKeyLossDelayMs ?? 5000,
    now: options.now,
    store: stateFile ? new StateStore(stateFile) : undefined,
    sleep: options.sleep,
  });

  const kms = createKmsService(world);
  const s3 = createS3Service(world, kms);
  const sts = createStsService(world);
  const rds = createRdsService(world, kms);
  const iam = createIamService(world);
  const logs = createLogsService(world);
  const cloudformation = createCloudFormationService(world, { kms, iam, logs });

  async function dispatch(req: http.IncomingMessage): Promise<WireResponse> {
    const scope: RequestScope = {};
    const response = await route(req, scope);
    return scope.malformed ? malformResponse(scope.malformed, response) : response;
  }

  async function control(method: string, url: URL, body: Buffer): Promise<WireResponse> {
    const generation = world.generation;
    const response = handleControl(world, method, url.pathname, url.searchParams, body);
    // A reset is a change like any other: durable before it is acknowledged.
    if (world.generation !== generation) await world.commit();
    return response;
  }

  async function route(req: http.IncomingMessage, scope: RequestScope): Promise<WireResponse> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const body = await readBody(req);
    const method = req.method ?? "GET";
    const path = decodePath(url.pathname);
    if (url.pathname.startsWith("/_sandbox/")) return control(method, url, body);

    const requestId = randomUUID();
    const authorization = typeof req.headers.authorization === "string" ? req.headers.authorization : undefined;
    const credential = readCredential(authorization, url.searchParams);
    const protocol = (credential && protocolOf(credential.service)) ?? guessProtocol(req.headers);
    if (!credential) {
      return errorFor(protocol, authError(protocol, hasAuthorization(authorization, url.searchParams) ? "unknown" : "missing"), requestId, method, path);
    }
    const session = principalForAccessKey(credential.accessKeyId) === undefined ? sessionPrincipal(world, credential.accessKeyId) : undefined;
    if (session && "expired" in session) return errorFor(protocol, authError(protocol, "expired"), requestId, method, path);
    const principal = principalForAccessKey(credential.accessKeyId) ?? session?.principal;
    if (!principal) return errorFor(protocol, authError(protocol, "unknown"), requestId, method, path);
    if (!protocolOf(credential.service)) {
      return errorFor(protocol, new ServiceError("UnknownService", `The sandbox does not implement the ${credential.service} service.`, 400), requestId, method, path);
    }
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(",") : v;
    const wire: WireRequest = { method, path, query: url.searchParams, headers, body, principal, region: credential.region, requestId, scope };
    try {
      switch (credential.service) {
        case "kms":
          return await handleJson(world, kms, "TrentService", wire);
        case "s3":
          return await handleRestXml(world, s3, wire);
        case "sts":
          return await handleQuery(world, { service: sts, xmlns: "https://sts.amazonaws.com/doc/2011-06-15/" }, wire);
        case "logs":
          return await handleJson(world, logs, "Logs_20140328", wire);
        case "iam":
          return await handleQuery(world, { service: iam, xmlns: "https://iam.amazonaws.com/doc/2010-05-08/" }, wire);
        case "rds":
          return await handleQuery(world, { service: rds, xmlns: "http://rds.amazonaws.com/doc/2014-10-31/", memberNames: RDS_MEMBER_NAMES }, wire);
        default:
          return await handleQuery(world, { service: cloudformation, xmlns: "http://cloudformation.amazonaws.com/doc/2010-05-15/" }, wire);
      }
    } catch (error) {
      log(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      const jsonInternal = credential.service === "logs" ? "ServiceUnavailableException" : "KMSInternalException";
      const internal = new ServiceError(protocol === "json" ? jsonInternal : protocol === "query" ? "InternalFailure" : "InternalError", "The sandbox failed to process the request.", 500);
      return errorFor(protocol, internal, requestId, method, path);
    }
  }

  const server = http.createServer((req, res) => {
    const started = Date.now();
    dispatch(req)
      .then((out) => {
        const body = typeof out.body === "string" ? Buffer.from(out.body) : out.body;
        res.writeHead(out.status, { ...out.headers, "content-length": out.headers["content-length"] ?? String(body.length) });
        res.end(req.method === "HEAD" ? undefined : body);
        // Quiet (no log given): no request line to format, on every call.
        if (options.log) log(`${req.method} ${req.url} ${out.status} ${Date.now() - started}ms`);
      })
      .catch((error: unknown) => {
        log(`request failed: ${error instanceof Error ? error.message : String(error)}`);
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end("sandbox error");
      });
  });
  server.keepAliveTimeout = 5000;

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 4566, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log(`sandbox listening on http://${host}:${port}`);

  return {
    url: `http://${host}:${port}`,
    port,
    reset: () => world.reset(),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await world.commit();
    },
  };
}
