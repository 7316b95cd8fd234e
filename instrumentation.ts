/** Runs once when the server boots (Node.js runtime only; see lib/server-startup.ts). */
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { startServer } = await import("./lib/server-startup");
    await startServer();
    // Every request from now on carries the client address the sign-in throttle and the audit log use.
    const { env } = await import("./lib/env");
    const { installClientAddressStamp } = await import("./lib/security/client-address-stamp");
    installClientAddressStamp(env().trustedProxies);
  }
}
