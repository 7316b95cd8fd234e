import { createHmac } from "node:crypto";
import { describe, expect, test } from "vitest";
import { generateWebhookSecret, signatureHeader, verifySignature } from "./sign";

const secret = "whsec_test-secret";
const body = '{"id":"n1","type":"webhook.test"}';
const t = 1_800_000_000;

describe("signatureHeader", () => {
  test("is t=<seconds>,v1=<hex HMAC-SHA256 of '<t>.<body>'>", () => {
    const expected = createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
    expect(signatureHeader(secret, body, t)).toBe(`t=${t},v1=${expected}`);
  });
});

describe("verifySignature", () => {
  const header = signatureHeader(secret, body, t);

  test("accepts the signature of the body as sent, within five minutes", () => {
    expect(verifySignature({ secret, body, header, now: t })).toEqual({ ok: true, timestamp: t });
    expect(verifySignature({ secret, body, header, now: t + 300 })).toEqual({ ok: true, timestamp: t });
  });

  test("refuses a timestamp older (or further ahead) than five minutes", () => {
    expect(verifySignature({ secret, body, header, now: t + 301 })).toEqual({ ok: false, reason: "expired" });
    expect(verifySignature({ secret, body, header, now: t - 301 })).toEqual({ ok: false, reason: "expired" });
  });

  test("refuses another secret, a changed body and a moved timestamp", () => {
    expect(verifySignature({ secret: "whsec_other", body, header, now: t })).toEqual({ ok: false, reason: "mismatch" });
    expect(verifySignature({ secret, body: `${body} `, header, now: t })).toEqual({ ok: false, reason: "mismatch" });
    const moved = header.replace(`t=${t}`, `t=${t + 1}`);
    expect(verifySignature({ secret, body, header: moved, now: t })).toEqual({ ok: false, reason: "mismatch" });
  });

  test("refuses missing and malformed headers", () => {
    for (const bad of [null, undefined, "", "v1=abc", `t=${t}`, `t=${t},v1=xyz`, `t=abc,v1=${"0".repeat(64)}`, `t=${t},v1=${"0".repeat(63)}`, "t=1=2"]) {
      expect(verifySignature({ secret, body, header: bad, now: t }).ok).toBe(false);
    }
  });

  test("accepts any one of several v1 values (a secret being rotated)", () => {
    const other = signatureHeader("whsec_old", body, t).split(",")[1];
    expect(verifySignature({ secret, body, header: `${header},${other}`, now: t }).ok).toBe(true);
  });
});

test("secrets are 32 random bytes, base64url, prefixed whsec_", () => {
  const first = generateWebhookSecret();
  expect(first).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
  expect(Buffer.from(first.slice(6), "base64url")).toHaveLength(32);
  expect(generateWebhookSecret()).not.toBe(first);
});
