import "server-only";

/**
 * One of something per process (a background worker), kept across Next's dev reloads, which
 * run instrumentation again with fresh modules: the promise lives on globalThis. A failed start
 * is not kept, so the next call tries again.
 */
export function processSingleton<T>(name: string, start: () => Promise<T>): Promise<T> {
  const holder = globalThis as unknown as Record<string, Promise<T> | undefined>;
  const key = `__byok_${name}`;
  holder[key] ??= start().catch((error: unknown) => {
    holder[key] = undefined;
    throw error;
  });
  return holder[key];
}
