/** Runs once when the server boots (Node.js runtime only; see lib/server-startup.ts). */
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { startServer } = await import("./lib/server-startup");
    await startServer();
  }
}
