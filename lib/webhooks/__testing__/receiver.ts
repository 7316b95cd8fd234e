/**
 * A local webhook receiver for tests (integration and e2e; plain Node, no server-only code):
 * an HTTP server on 127.0.0.1 that records every request as received and answers with the
 * status codes it is told to, 200 once those run out.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, verifySignature, type VerifyResult } from "../sign";

export interface ReceivedWebhook {
  method: string;
  path: string;
  /** Lower-case header names, as Node gives them. */
  headers: http.IncomingHttpHeaders;
  signature: string | null;
  event: string | null;
  deliveryId: string | null;
  /** The raw body, exactly as received (what the signature covers). */
  body: string;
  receivedAt: Date;
  /** The status code the receiver answered with. */
  answeredWith: number;
  /** Checks the signature against the raw body with a secret. */
  verify(secret: string, now?: number): VerifyResult;
}

export interface WebhookReceiver {
  /** e.g. http://127.0.0.1:41234/hooks */
  url: string;
  port: number;
  received: ReceivedWebhook[];
  /** The next requests get these status codes, in order; then 200 again. */
  answerWith(...statusCodes: number[]): void;
  /** Resolves with the first request (already received or still to come) that matches. */
  waitFor(match: (request: ReceivedWebhook) => boolean, timeoutMs?: number): Promise<ReceivedWebhook>;
  close(): Promise<void>;
}

function header(headers: http.IncomingHttpHeaders, name: string): string | null {
  const value = headers[name.toLowerCase()];
  return typeof value === "string" ? value : null;
}

export async function startWebhookReceiver(options: { path?: string } = {}): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const planned: number[] = [];
  const waiters = new Set<{ match: (request: ReceivedWebhook) => boolean; resolve: (request: ReceivedWebhook) => void }>();

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const answeredWith = planned.shift() ?? 200;
      const signature = header(request.headers, SIGNATURE_HEADER);
      const entry: ReceivedWebhook = {
        method: request.method ?? "",
        path: request.url ?? "",
        headers: request.headers,
        signature,
        event: header(request.headers, EVENT_HEADER),
        deliveryId: header(request.headers, DELIVERY_HEADER),
        body,
        receivedAt: new Date(),
        answeredWith,
        verify: (secret, now) => verifySignature({ secret, body, header: signature, ...(now === undefined ? {} : { now }) }),
      };
      received.push(entry);
      response.writeHead(answeredWith, { "Content-Type": "text/plain" }).end(answeredWith < 300 ? "ok" : "not now");
      for (const waiter of waiters) {
        if (waiter.match(entry)) {
          waiters.delete(waiter);
          waiter.resolve(entry);
        }
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${options.path ?? "/hooks"}`,
    port,
    received,
    answerWith: (...statusCodes) => planned.push(...statusCodes),
    waitFor(match, timeoutMs = 15_000) {
      const already = received.find(match);
      if (already) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const waiter = {
          match,
          resolve: (request: ReceivedWebhook) => {
            clearTimeout(timer);
            resolve(request);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching webhook request within ${timeoutMs} ms (received ${received.length})`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
