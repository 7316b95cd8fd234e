import { describe, expect, test } from "vitest";
import { clientAddress } from "./client-address";

describe("clientAddress", () => {
  test("with no trusted proxy it is the socket's address, whatever X-Forwarded-For says", () => {
    expect(clientAddress(undefined, "203.0.113.7", 0)).toBe("203.0.113.7");
    expect(clientAddress("198.51.100.1", "203.0.113.7", 0)).toBe("203.0.113.7");
    expect(clientAddress("198.51.100.1, 198.51.100.2", "::ffff:203.0.113.7", 0)).toBe("203.0.113.7");
    expect(clientAddress(undefined, "::1", 0)).toBe("::1");
  });

  test("with one trusted proxy it is the entry that proxy appended (the last one), not what the client wrote before it", () => {
    expect(clientAddress("198.51.100.1", "10.0.0.2", 1)).toBe("198.51.100.1");
    expect(clientAddress("6.6.6.6, 7.7.7.7, 198.51.100.1", "10.0.0.2", 1)).toBe("198.51.100.1");
    expect(clientAddress(["6.6.6.6", "198.51.100.1"], "10.0.0.2", 1)).toBe("198.51.100.1");
  });

  test("with two trusted proxies it walks two hops back", () => {
    expect(clientAddress("6.6.6.6, 198.51.100.1, 10.0.0.9", "10.0.0.2", 2)).toBe("198.51.100.1");
  });

  test("a missing or malformed hop stops the walk at the last address that can be trusted", () => {
    expect(clientAddress(undefined, "10.0.0.2", 1)).toBe("10.0.0.2");
    expect(clientAddress("", "10.0.0.2", 1)).toBe("10.0.0.2");
    expect(clientAddress("not-an-ip", "10.0.0.2", 1)).toBe("10.0.0.2");
    expect(clientAddress("198.51.100.1, evil", "10.0.0.2", 2)).toBe("10.0.0.2");
    expect(clientAddress("198.51.100.1", "10.0.0.2", 3)).toBe("198.51.100.1");
  });

  test("no socket address, no client address", () => {
    expect(clientAddress("198.51.100.1", undefined, 1)).toBeNull();
  });

  test("IPv6 addresses are compared in one case", () => {
    expect(clientAddress("2001:DB8::1", "10.0.0.2", 1)).toBe("2001:db8::1");
  });
});
