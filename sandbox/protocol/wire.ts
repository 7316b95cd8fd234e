/** What a protocol adapter receives from the HTTP server and hands back to it. */
import type { Principal } from "../identities";
import type { RequestScope } from "../world";

export interface WireRequest {
  method: string;
  /** Decoded path, e.g. `/bucket/key with spaces`. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body: Buffer;
  principal: Principal;
  region: string;
  requestId: string;
  /** Handed to the dispatcher, which notes there what the server must do to the response. */
  scope: RequestScope;
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}
