import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { expect, test } from "../fixtures/portal";

/** Where `npm run dev` keeps its data (the embedded PostgreSQL under .data/pg, the sandbox's state file). */
const DATA_DIR = path.resolve(import.meta.dirname, "../../.data");
const BUSY_FOR_MS = 60_000;

declare global {
  interface Window {
    __busyMarker?: string;
    next?: { version?: string };
  }
}

/** A minute of database work: tables filled, rewritten and emptied, and queries that sleep, on connections of their own. */
async function keepDatabaseBusy(ownerUrl: string, until: number): Promise<number> {
  const table = `e2e_dev_busy_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
  const writer = new pg.Client({ connectionString: ownerUrl, application_name: "e2e-dev-busy" });
  const sleeper = new pg.Client({ connectionString: ownerUrl, application_name: "e2e-dev-busy-sleep" });
  await writer.connect();
  await sleeper.connect();
  let rounds = 0;
  try {
    await writer.query(`CREATE TABLE ${table} (id int PRIMARY KEY, payload text NOT NULL)`);
    const writes = (async () => {
      while (Date.now() < until) {
        await writer.query(`INSERT INTO ${table} SELECT g, repeat(md5(random()::text), 16) FROM generate_series(1, 2000) g ON CONFLICT (id) DO UPDATE SET payload = excluded.payload`);
        await writer.query(`UPDATE ${table} SET payload = md5(payload) || payload WHERE id % 3 = 0`);
        await writer.query(`DELETE FROM ${table} WHERE id % 2 = 0`);
        rounds += 1;
      }
    })();
    const sleeps = (async () => {
      while (Date.now() < until) await sleeper.query("SELECT pg_sleep(0.5)");
    })();
    await Promise.all([writes, sleeps]);
  } finally {
    await writer.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await writer.end();
    await sleeper.end();
  }
  return rounds;
}

/** Files written, rewritten and removed under .data/, as PostgreSQL does with its WAL and the sandbox with its state. */
async function keepDataFolderBusy(until: number): Promise<number> {
  const dir = path.join(DATA_DIR, `dev-e2e-busy-${randomUUID().slice(0, 8)}`);
  mkdirSync(dir, { recursive: true });
  const chunk = Buffer.alloc(256 * 1024, 7);
  let writes = 0;
  try {
    while (Date.now() < until) {
      writeFileSync(path.join(dir, `segment-${writes % 16}`), chunk);
      writeFileSync(path.join(dir, "state.json"), JSON.stringify({ writes, at: new Date().toISOString() }));
      if (writes % 16 === 15) rmSync(path.join(dir, `segment-${writes % 8}`), { force: true });
      writes += 1;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return writes;
}

test("under next dev, the sign-in page stays as the user left it for a minute while the database and .data/ are busy", { tag: "@next-dev" }, async ({ page }) => {
  const ownerUrl = process.env.E2E_DATABASE_OWNER_URL;
  if (!ownerUrl) throw new Error("E2E_DATABASE_OWNER_URL is not set: run the e2e suite through `npm run test:e2e`.");
  // The first visit compiles the page, and the dev server reloads it once that is done; the
  // second finds it compiled. Each load waits for the page's live-update connection.
  for (let visit = 0; visit < 2; visit += 1) {
    const connected = page.waitForEvent("console", { predicate: (message) => message.text().includes("[HMR] connected"), timeout: 300_000 });
    await page.goto("/sign-in");
    await connected;
  }
  await expect.poll(() => page.evaluate(() => typeof window.next?.version)).toBe("string");
  await page.getByLabel("Email").fill("someone@acme.example");

  const navigations: string[] = [];
  const rebuilds: string[] = [];
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame()) navigations.push(frame.url());
  });
  page.on("console", (message) => {
    // Hot updates keep what the page holds; only reported (an edit elsewhere in the checkout also causes them).
    if (/Fast Refresh|\[HMR\]/i.test(message.text())) rebuilds.push(message.text());
  });
  await page.evaluate(() => {
    window.__busyMarker = "set before the busy minute";
  });

  const until = Date.now() + BUSY_FOR_MS;
  const [rounds, writes] = await Promise.all([keepDatabaseBusy(ownerUrl, until), keepDataFolderBusy(until)]);
  expect(rounds).toBeGreaterThan(0);
  expect(writes).toBeGreaterThan(0);

  for (const rebuild of rebuilds) test.info().annotations.push({ type: "dev server hot update", description: rebuild });
  // A reload (the dev server's answer to a change it cannot hot-update) navigates the page and loses its state.
  expect(navigations).toEqual([]);
  expect(await page.evaluate(() => window.__busyMarker)).toBe("set before the busy minute");
  await expect(page.getByLabel("Email")).toHaveValue("someone@acme.example");
  await expect(page).toHaveURL(/\/sign-in$/);
});
