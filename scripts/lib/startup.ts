/**
 * Start-up failures of the launcher and the scripts: one line that says what failed and
 * what to do. Anything else thrown (some libraries reject with `undefined` or a string)
 * is turned into one readable line by describeError.
 */
import net from "node:net";

export class StartupError extends Error {
  override name = "StartupError";
}

function messageOf(error: unknown): string {
  if (error instanceof AggregateError && !error.message) {
    // Node reports a refused connection to `localhost` as one error per address tried.
    return [...new Set(error.errors.map(messageOf))].join("; ");
  }
  if (error instanceof Error) {
    const code = "code" in error && typeof error.code === "string" ? error.code : undefined;
    return error.message || code || error.name;
  }
  if (typeof error === "string") return error;
  if (error === undefined || error === null) return "";
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

/** One line: the error's own message, whitespace (newlines included) collapsed. */
export function describeError(error: unknown): string {
  const message = messageOf(error).replace(/\s+/g, " ").trim();
  return message || "it failed without saying why (no error message was given)";
}

/** A TCP port from the environment variable `name`, or `fallback` when it is unset. */
export function portSetting(name: string, fallback: number, env: Record<string, string | undefined> = process.env): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65_535) {
    throw new StartupError(`${name} must be a port number from 1 to 65535 (got "${raw}"); unset it to use ${fallback}.`);
  }
  return port;
}

/** The code of a failed listen (EADDRINUSE, EACCES, …), or undefined when the port is free. */
export function listenProblem(port: number, host?: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "EUNKNOWN"));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(undefined)));
  });
}

/** The one-line reason a server could not listen on `port`, with what to do about it. */
export function listenFailure(what: string, port: number, host: string | undefined, code: string | undefined, setting: string): string {
  const where = host ? `port ${port} on ${host}` : `port ${port}`;
  switch (code) {
    case "EADDRINUSE":
      return `${what} could not start: ${where} is in use by another program. Stop that program, or set ${setting} to a free port.`;
    case "EACCES":
      return `${what} could not start: this user may not listen on ${where}. Set ${setting} to a port above 1023.`;
    case "EADDRNOTAVAIL":
      return `${what} could not start: ${host ?? "the host"} is not an address of this machine; listen on one of its own addresses.`;
    default:
      return `${what} could not start: listening on ${where} failed (${code ?? "no reason given"}). Set ${setting} to another port.`;
  }
}
