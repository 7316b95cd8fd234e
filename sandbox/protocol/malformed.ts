/**
 * Malformed answers, as callers meet them in the wild: a load balancer's HTML error page, a
 * connection cut halfway through the body, an empty 200. The dispatcher has already run the
 * operation (a mutation took effect); only the answer is damaged, so a caller that cannot read
 * it must find out by itself whether its call happened — the case idempotent retries exist for.
 */
import type { MalformedKind } from "../faults";
import type { WireResponse } from "./wire";

/** What an AWS Application Load Balancer sends when its target fails. */
const BAD_GATEWAY_PAGE =
  "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n";

export function malformResponse(kind: MalformedKind, response: WireResponse): WireResponse {
  const body = typeof response.body === "string" ? Buffer.from(response.body) : response.body;
  switch (kind) {
    case "html502":
      return { status: 502, headers: { "content-type": "text/html" }, body: BAD_GATEWAY_PAGE };
    case "truncated": {
      // Status and headers as sent, the body cut in half; content-length matches what is sent.
      const cut = body.subarray(0, Math.floor(body.length / 2));
      return { status: response.status, headers: { ...response.headers, "content-length": String(cut.length) }, body: cut };
    }
    case "empty200": {
      const headers: Record<string, string> = { ...response.headers, "content-length": "0" };
      delete headers["x-amzn-errortype"];
      return { status: 200, headers, body: "" };
    }
  }
}
