// Test-only stand-in for the `server-only` marker package, which throws outside Next's
// react-server build. Vitest aliases it here so services can be tested directly.
export {};
