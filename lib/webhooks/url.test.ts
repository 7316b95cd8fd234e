import { describe, expect, test } from "vitest";
import { isInternalAddress, webhookUrlFormSchema, webhookUrlProblem, WEBHOOK_URL_MAX_LENGTH } from "./url";

const production = { allowLoopbackHttp: false };
const tests = { allowLoopbackHttp: true };

describe("webhookUrlProblem", () => {
  test("accepts public https URLs, with paths, ports and queries", () => {
    for (const url of ["https://alerts.example.com/byok", "https://hooks.example.com:8443/a/b?c=d", "https://93.184.216.34/hook", "https://[2606:4700::1111]/hook"]) {
      expect(webhookUrlProblem(url, production), url).toBeNull();
    }
  });

  test("refuses plain http, other schemes and things that are not URLs", () => {
    expect(webhookUrlProblem("http://alerts.example.com/", production)).toMatch(/https/);
    expect(webhookUrlProblem("ftp://alerts.example.com/", production)).toMatch(/https/);
    expect(webhookUrlProblem("javascript:alert(1)", production)).toMatch(/https/);
    expect(webhookUrlProblem("alerts.example.com/hook", production)).toMatch(/full URL/);
  });

  test("refuses credentials in the URL", () => {
    expect(webhookUrlProblem("https://user:pass@alerts.example.com/", production)).toMatch(/user name and password/);
    expect(webhookUrlProblem("https://token@alerts.example.com/", production)).toMatch(/user name and password/);
  });

  test("refuses loopback, private and link-local literal IPs however they are spelled", () => {
    for (const url of [
      "https://127.0.0.1/",
      "https://127.1/",
      "https://2130706433/",
      "https://0x7f000001/",
      "https://localhost/",
      "https://api.localhost/",
      "https://10.1.2.3/",
      "https://172.16.0.1/",
      "https://192.168.1.1/",
      "https://169.254.169.254/latest/meta-data/",
      "https://100.64.0.1/",
      "https://0.0.0.0/",
      "https://[::1]/",
      "https://[fe80::1]/",
      "https://[fd00::1]/",
      "https://[::ffff:169.254.169.254]/",
      "https://[::ffff:127.0.0.1]/",
    ]) {
      expect(webhookUrlProblem(url, production), url).toMatch(/public address/);
    }
  });

  test("refuses URLs longer than 2048 characters", () => {
    const long = `https://alerts.example.com/${"a".repeat(WEBHOOK_URL_MAX_LENGTH)}`;
    expect(webhookUrlProblem(long, production)).toMatch(/2048/);
  });

  test("only with WEBHOOK_ALLOW_LOOPBACK_HTTP: plain http to 127.0.0.1 or localhost, nothing else", () => {
    expect(webhookUrlProblem("http://127.0.0.1:4000/hooks", production)).not.toBeNull();
    expect(webhookUrlProblem("http://127.0.0.1:4000/hooks", tests)).toBeNull();
    expect(webhookUrlProblem("http://localhost:4000/hooks", tests)).toBeNull();
    expect(webhookUrlProblem("http://10.0.0.1/hooks", tests)).toMatch(/https/);
    expect(webhookUrlProblem("https://10.0.0.1/hooks", tests)).toMatch(/public address/);
    expect(webhookUrlProblem("http://alerts.example.com/", tests)).toMatch(/https/);
  });
});

test("isInternalAddress judges literal IPs only", () => {
  expect(isInternalAddress("alerts.example.com")).toBe(false);
  expect(isInternalAddress("8.8.8.8")).toBe(false);
  expect(isInternalAddress("172.32.0.1")).toBe(false);
  expect(isInternalAddress("172.31.255.255")).toBe(true);
});

test("the form schema trims the URL and names the field", () => {
  const schema = webhookUrlFormSchema(production);
  expect(schema.parse({ url: "  https://alerts.example.com/x " })).toEqual({ url: "https://alerts.example.com/x" });
  const refused = schema.safeParse({ url: "http://alerts.example.com/" });
  expect(refused.success).toBe(false);
  expect(refused.error?.issues[0]?.path).toEqual(["url"]);
  expect(schema.safeParse({ url: "" }).success).toBe(false);
  expect(schema.safeParse({}).success).toBe(false);
});
