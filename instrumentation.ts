/** Parses the configuration when the server boots, so a bad value stops it at once. */
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { env, ConfigError } = await import("./lib/env");
    try {
      env();
    } catch (error) {
      if (error instanceof ConfigError) {
        console.error(error.message);
        process.exit(1);
      }
      throw error;
    }
  }
}
