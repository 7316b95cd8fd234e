/**
 * One client process of `npm run bench:sandbox` (sandbox/bench.ts forks two of them): it runs
 * its share of the concurrent clients, each a loop of GenerateDataKey calls through the real
 * SDK client over keep-alive connections, and reports the calls it finished inside the
 * measured window with their latencies. Clients, server and orchestrator sharing no event
 * loop is the point: in one process the clients' own SDK work would be what gets measured.
 */
import { performance } from "node:perf_hooks";
import { GenerateDataKeyCommand, KMSClient } from "@aws-sdk/client-kms";

export interface BenchCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** One timed run: `clients` loops calling from `startAt`; calls started at or after `measureFrom` and finished by `endAt` count. */
export interface RunRequest {
  type: "run";
  url: string;
  region: string;
  keyArn: string;
  credentials: BenchCredentials;
  clients: number;
  /** Numbers the encryption contexts of this process's clients apart from the other process's. */
  firstClient: number;
  /** Wall-clock milliseconds (`Date.now()`), the same clock in every process. */
  startAt: number;
  measureFrom: number;
  endAt: number;
}

export interface RunResult {
  type: "result";
  calls: number;
  errors: number;
  firstError?: string;
  /** Milliseconds, one per counted call. */
  latencies: number[];
  /** CPU time this process spent in the measured window, in milliseconds. */
  cpuMs: number;
}

function sleepUntil(time: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, time - Date.now())));
}

async function run(request: RunRequest): Promise<RunResult> {
  const kms = new KMSClient({
    region: request.region,
    endpoint: request.url,
    credentials: request.credentials,
    maxAttempts: 1,
    // The SDK builds each call's middleware stack anew unless told to keep it per command class.
    cacheMiddleware: true,
    // One keep-alive connection per client of this process, opened during the warm-up.
    requestHandler: { httpAgent: { keepAlive: true, maxSockets: request.clients } },
  });
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let cpuAtMeasure: NodeJS.CpuUsage | undefined;
  const measureTimer = setTimeout(() => {
    cpuAtMeasure = process.cpuUsage();
  }, Math.max(0, request.measureFrom - Date.now()));
  await sleepUntil(request.startAt);
  try {
    await Promise.all(
      Array.from({ length: request.clients }, async (_, i) => {
        const command = new GenerateDataKeyCommand({
          KeyId: request.keyArn,
          KeySpec: "AES_256",
          EncryptionContext: { "aws:s3:arn": `arn:aws:s3:::bench-${request.firstClient + i}/object` },
        });
        while (Date.now() < request.endAt) {
          const startedAt = Date.now();
          const started = performance.now();
          try {
            const out = await kms.send(command);
            if (!out.Plaintext || out.Plaintext.length !== 32) throw new Error("GenerateDataKey returned no 32-byte data key");
            const finished = performance.now();
            if (startedAt >= request.measureFrom && Date.now() <= request.endAt) latencies.push(finished - started);
          } catch (error) {
            errors += 1;
            firstError ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          }
        }
      }),
    );
  } finally {
    clearTimeout(measureTimer);
    kms.destroy();
  }
  const cpu = process.cpuUsage(cpuAtMeasure);
  return { type: "result", calls: latencies.length, errors, firstError, latencies, cpuMs: (cpu.user + cpu.system) / 1000 };
}

process.on("message", (message: RunRequest) => {
  void run(message).then(
    (result) => process.send?.(result),
    (error: unknown) => process.send?.({ type: "result", calls: 0, errors: 1, firstError: String(error), latencies: [], cpuMs: 0 } satisfies RunResult),
  );
});
process.on("disconnect", () => process.exit(0));
