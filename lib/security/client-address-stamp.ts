import "server-only";
import http from "node:http";
import https from "node:https";
import { CLIENT_ADDRESS_HEADER, clientAddress } from "./client-address";

/**
 * Next hands the app no socket address (and keeps a client-sent X-Forwarded-For as it is), so
 * the Node server stamps every incoming request with the address decided from the socket and
 * the trusted proxies, before Next sees it. Installed once at server start (instrumentation.ts).
 */

type Emit = (this: http.Server, event: string | symbol, ...args: unknown[]) => boolean;
const state = globalThis as unknown as { __portalClientAddressStamp?: { trustedProxies: number } };

/** Whether this process stamps requests; without it the header could be the client's own. */
export function clientAddressStampInstalled(): boolean {
  return state.__portalClientAddressStamp !== undefined;
}

export function installClientAddressStamp(trustedProxies: number): void {
  if (state.__portalClientAddressStamp) {
    state.__portalClientAddressStamp.trustedProxies = trustedProxies;
    return;
  }
  const installed = { trustedProxies };
  state.__portalClientAddressStamp = installed;
  for (const prototype of [http.Server.prototype, https.Server.prototype] as unknown as { emit: Emit }[]) {
    const emit = prototype.emit;
    prototype.emit = function stampClientAddress(this: http.Server, event, ...args) {
      const request = args[0];
      if (event === "request" && request instanceof http.IncomingMessage) {
        request.headers[CLIENT_ADDRESS_HEADER] =
          clientAddress(request.headers["x-forwarded-for"], request.socket.remoteAddress, installed.trustedProxies) ?? "unknown";
      }
      return emit.call(this, event, ...args);
    };
  }
}
