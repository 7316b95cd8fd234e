/** Starts the local AWS sandbox (sandbox/server.ts) in this process, on 127.0.0.1. */
export interface RunningSandbox {
  url: string;
  close(): Promise<void>;
}

export async function startLocalSandbox(options: { stateFile?: string; port?: number } = {}): Promise<RunningSandbox> {
  const { startSandbox } = await import("../../sandbox/server");
  return startSandbox({
    port: options.port ?? Number(process.env.SANDBOX_PORT ?? 4566),
    host: "127.0.0.1",
    stateFile: options.stateFile,
  });
}
