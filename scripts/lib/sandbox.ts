/** Starts the local AWS sandbox (sandbox/server.ts) in this process, on 127.0.0.1. */
import { describeError, listenFailure, portSetting, StartupError } from "./startup";

export interface RunningSandbox {
  url: string;
  close(): Promise<void>;
}

const HOST = "127.0.0.1";

export async function startLocalSandbox(
  options: { stateFile?: string; port?: number; /** The variable that sets the port, named in the advice. */ portSetting?: string } = {},
): Promise<RunningSandbox> {
  const setting = options.portSetting ?? "SANDBOX_PORT";
  const port = options.port ?? portSetting(setting, 4566);
  const { startSandbox } = await import("../../sandbox/server");
  try {
    return await startSandbox({ port, host: HOST, stateFile: options.stateFile });
  } catch (error) {
    const code = error instanceof Error && "code" in error && typeof error.code === "string" ? error.code : undefined;
    if (code && ["EADDRINUSE", "EACCES", "EADDRNOTAVAIL"].includes(code)) {
      throw new StartupError(listenFailure("The AWS sandbox", port, HOST, code, setting));
    }
    throw new StartupError(`The AWS sandbox could not start: ${describeError(error)}`);
  }
}
