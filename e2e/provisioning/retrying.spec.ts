import { sandboxUrl } from "../fixtures/aws-cli";
import { demoUsers, expect, signIn, test } from "../fixtures/portal";
import { createFromReview, waitForStatus } from "../fixtures/wizard";

// No other spec provisions in this Region, so the fault below hits this environment alone.
const REGION = "ap-southeast-2";

async function sandboxFaults(method: "POST" | "DELETE", body?: unknown): Promise<void> {
  const response = await fetch(`${sandboxUrl()}/_sandbox/faults`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(response.ok).toBe(true);
}

test("temporary AWS trouble is shown as Retrying with AWS's reason and the next try, then the environment is Ready and the retries are in its timeline", async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, demoUsers.acme.email);
  await page.goto("/environments/new");
  await page.getByLabel("Environment name").fill(`Retrying ${Date.now().toString(36)}`);
  await page.getByLabel("Region").selectOption(REGION);
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByLabel("Vendor-managed").check();
  await page.getByRole("button", { name: "Next" }).click();
  // S3 fails every bucket creation in this Region until the test lifts the fault: the state
  // lasts as long as the test needs to see it, however slow the machine.
  await sandboxFaults("POST", { service: "s3", operation: "CreateBucket", region: REGION, status500: true, forMs: 110_000 });
  try {
    await createFromReview(page);
    const storage = page.getByRole("list", { name: "Provisioning steps" }).getByRole("listitem").filter({ hasText: "Object storage" });
    await expect(storage).toContainText("Retrying", { timeout: 60_000 });
    await expect(storage).toContainText("InternalError");
    await expect(storage).toContainText("CreateBucket");
    await expect(storage.locator("time")).toHaveAttribute("datetime", /^\d{4}-\d\d-\d\dT/);
  } finally {
    await sandboxFaults("DELETE");
  }

  await waitForStatus(page, "Ready");
  const storage = page.getByRole("list", { name: "Provisioning steps" }).getByRole("listitem").filter({ hasText: "Object storage" });
  await expect(storage).toContainText(/Went through after \d+ retr/);
  await page.reload();
  await expect(page.getByText(/Provisioning step retried: object-storage — CreateBucket met InternalError/).first()).toBeVisible();
});
