import pg from "pg";
import { demoUsers, expect, insertDraftEnvironment, signIn, test, withDatabase } from "../fixtures/portal";

/** The advisory lock a provisioning run holds (lib/provisioning/lock.ts): with it held, no worker touches the attempt. */
const LOCK_NAMESPACE = "byok-provisioning:";

declare global {
  interface Window {
    __progressMarker?: string;
    __badgeMismatches?: string[];
  }
}

async function setStep(environmentId: string, key: string, status: "RUNNING" | "SUCCEEDED") {
  await withDatabase((client) =>
    client.query(
      `UPDATE provisioning_step SET status = $3::"ProvisioningStepStatus",
              "startedAt" = coalesce("startedAt", now()), "finishedAt" = CASE WHEN $3 = 'SUCCEEDED' THEN now() ELSE NULL END, "updatedAt" = now()
        WHERE "environmentId" = $1 AND key = $2`,
      [environmentId, key, status],
    ),
  );
}

test("while provisioning, a progress bar names the current step, and the header badge and the step card always show the same status", async ({ page }) => {
  // A run "in progress" that this test drives itself: it holds the environment's provisioning
  // lock, as a running worker would, so the sweep leaves the attempt to it.
  const { id } = await insertDraftEnvironment("acme");
  const lock = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await lock.connect();
  try {
    const locked = await lock.query<{ locked: boolean }>("SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked", [LOCK_NAMESPACE + id]);
    expect(locked.rows[0]?.locked).toBe(true);
    await withDatabase(async (client) => {
      await client.query(`UPDATE environment SET status = 'PROVISIONING', "updatedAt" = now() WHERE id = $1`, [id]);
      const attempt = await client.query<{ id: string }>(
        `INSERT INTO provisioning_attempt (id, "environmentId", number, status, trigger, "startedAt") VALUES (gen_random_uuid(), $1, 1, 'RUNNING', 'create', now()) RETURNING id`,
        [id],
      );
      const steps: Array<[string, string]> = [
        ["object-storage", "SUCCEEDED"],
        ["database", "RUNNING"],
        ["finalize", "PENDING"],
      ];
      for (const [position, [key, status]] of steps.entries()) {
        await client.query(
          `INSERT INTO provisioning_step (id, "attemptId", "environmentId", key, position, status, "startedAt", "finishedAt", "updatedAt")
           VALUES (gen_random_uuid(), $1, $2, $3, $4, $5::"ProvisioningStepStatus",
                   CASE WHEN $5 = 'PENDING' THEN NULL ELSE now() END, CASE WHEN $5 = 'SUCCEEDED' THEN now() ELSE NULL END, now())`,
          [attempt.rows[0]?.id, id, key, position, status],
        );
      }
    });

    await signIn(page, demoUsers.acme.email);
    await page.goto(`/environments/${id}`);
    const progress = page.getByRole("progressbar", { name: "Provisioning progress" });
    await expect(progress).toHaveAttribute("max", "3");
    await expect(progress).toHaveAttribute("value", "1");
    await expect(page.getByText("Step 2 of 3: Database (Aurora cluster)")).toBeVisible();
    // The bar's description is the step text, for screen readers.
    await expect(progress).toHaveAccessibleDescription("Step 2 of 3: Database (Aurora cluster)");
    const headerBadge = page.getByTestId("environment-status");
    const cardBadge = page.getByTestId("provisioning-status");
    await expect(headerBadge).toHaveText("Provisioning");
    await expect(cardBadge).toHaveText("Provisioning");

    // From here on, every change to the page is checked: the two badges never differ, and the page is never reloaded.
    await page.evaluate(() => {
      window.__progressMarker = "set before the status changed";
      window.__badgeMismatches = [];
      const read = () => {
        const header = document.querySelector('[data-testid="environment-status"]')?.textContent ?? "";
        const card = document.querySelector('[data-testid="provisioning-status"]')?.textContent ?? "";
        if (header !== card) window.__badgeMismatches?.push(`header "${header}", card "${card}"`);
      };
      new MutationObserver(read).observe(document.body, { subtree: true, childList: true, characterData: true });
    });

    await setStep(id, "database", "SUCCEEDED");
    await setStep(id, "finalize", "RUNNING");
    await expect(page.getByText("Step 3 of 3: Finalize (tenant name, encryption settings locked)")).toBeVisible();
    await expect(progress).toHaveAttribute("value", "2");

    await setStep(id, "finalize", "SUCCEEDED");
    await withDatabase(async (client) => {
      await client.query(`UPDATE provisioning_attempt SET status = 'SUCCEEDED', "finishedAt" = now() WHERE "environmentId" = $1`, [id]);
      await client.query(`UPDATE environment SET status = 'READY', "tenantName" = $2, "provisionedAt" = now(), "updatedAt" = now() WHERE id = $1`, [
        id,
        `acme-progress-${id.slice(0, 8)}`,
      ]);
    });
    await expect(cardBadge).toHaveText("Ready");
    await expect(headerBadge).toHaveText("Ready");
    await expect(progress).toHaveCount(0);
    // The server-rendered parts follow (router.refresh), still without a reload.
    await expect(page.getByRole("heading", { name: "Your environment is ready" })).toBeVisible();
    expect(await page.evaluate(() => window.__progressMarker)).toBe("set before the status changed");
    expect(await page.evaluate(() => window.__badgeMismatches)).toEqual([]);
  } finally {
    await lock.end();
  }
});
