import { describe, expect, test } from "vitest";
import { malformResponse } from "./malformed";
import type { WireResponse } from "./wire";

const real: WireResponse = {
  status: 200,
  headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": "req-1" },
  body: JSON.stringify({ KeyMetadata: { KeyId: "1234abcd-12ab-34cd-56ef-1234567890ab", Description: "a key" } }),
};

describe("malformed responses", () => {
  test("html502: a load balancer's HTML page, nothing of the real answer", () => {
    const out = malformResponse("html502", real);
    expect(out.status).toBe(502);
    expect(out.headers).toEqual({ "content-type": "text/html" });
    expect(String(out.body)).toContain("<title>502 Bad Gateway</title>");
  });

  test("truncated: the first half of the body, status and headers kept, content-length matching", () => {
    const out = malformResponse("truncated", real);
    const full = Buffer.from(String(real.body));
    const body = Buffer.isBuffer(out.body) ? out.body : Buffer.from(out.body);
    expect(out.status).toBe(200);
    expect(body.length).toBe(Math.floor(full.length / 2));
    expect(full.subarray(0, body.length).equals(body)).toBe(true);
    expect(out.headers).toEqual({ ...real.headers, "content-length": String(body.length) });
    expect(() => JSON.parse(body.toString("utf8"))).toThrow();
  });

  test("empty200: status 200, no body, even for an error", () => {
    const out = malformResponse("empty200", { status: 400, headers: { "x-amzn-errortype": "NotFoundException", "x-amzn-requestid": "r" }, body: "{}" });
    expect(out).toEqual({ status: 200, headers: { "x-amzn-requestid": "r", "content-length": "0" }, body: "" });
  });
});
