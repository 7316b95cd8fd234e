/**
 * How `npm run test:e2e`'s arguments split between its two Playwright runs: the suite against
 * the production build (playwright.config.ts) and the specs of e2e/dev/ against `next dev`
 * (playwright.dev.config.ts).
 */

/** The tag of the specs that need `next dev` (e2e/dev/), kept out of the production-build run. */
export const NEXT_DEV_TAG = "@next-dev";

export interface E2eRuns {
  /** Arguments after `playwright test` for the production-build run, or null to leave it out. */
  production: string[] | null;
  /** The same for the `next dev` run, or null to leave it out. */
  dev: string[] | null;
}

const isSpecPath = (arg: string) => /\.spec\.ts(:\d+)*$/.test(arg) || /^(\.\/)?e2e(\/|$)/.test(arg);
const isDevSpec = (arg: string) => /^(\.\/)?e2e\/dev(\/|$)/.test(arg);

/**
 * Spec paths under e2e/dev/ go to the dev run, other spec paths to the production run, and a
 * run that no path names is left out; everything else (options, name filters) goes to both.
 * With `--config` (npm run demo) only that configuration runs, with the arguments as given.
 */
export function planRuns(args: readonly string[]): E2eRuns {
  if (args.some((arg) => arg === "--config" || arg.startsWith("--config=") || arg === "-c")) return { production: [...args], dev: null };
  const specs = args.filter(isSpecPath);
  const others = args.filter((arg) => !isSpecPath(arg));
  const devSpecs = specs.filter(isDevSpec);
  const productionSpecs = specs.filter((arg) => !isDevSpec(arg));
  const ownInvert = others.some((arg) => arg === "--grep-invert" || arg.startsWith("--grep-invert="));
  // A name filter (`npm run test:e2e -- retrying`) may match nothing under e2e/dev/; that is no failure there.
  const filtered = others.some((arg) => !arg.startsWith("-"));
  return {
    production: specs.length === 0 || productionSpecs.length > 0 ? [...others, ...(ownInvert ? [] : ["--grep-invert", NEXT_DEV_TAG]), ...productionSpecs] : null,
    dev:
      specs.length === 0 || devSpecs.length > 0
        ? ["--config", "playwright.dev.config.ts", ...(filtered && devSpecs.length === 0 ? ["--pass-with-no-tests"] : []), ...others, ...devSpecs]
        : null,
  };
}
