import { demoUsers, expect, signIn, test, withDatabase } from "../fixtures/portal";

test("two tabs clicking Create environment on one draft make one environment and one provisioning job", async ({ browser }) => {
  test.setTimeout(120_000);
  const context = await browser.newContext();
  const first = await context.newPage();
  await signIn(first, demoUsers.acme.email);
  await first.goto("/environments/new");
  const name = `Twice ${Date.now().toString(36)}`;
  await first.getByLabel("Environment name").fill(name);
  await first.getByRole("button", { name: "Next" }).click();
  await first.getByLabel("Vendor-managed").check();
  await first.getByRole("button", { name: "Next" }).click();
  await expect(first).toHaveURL(/\/review$/);
  const second = await context.newPage();
  await second.goto(first.url());

  await Promise.all([
    first.getByRole("button", { name: "Create environment" }).click(),
    second.getByRole("button", { name: "Create environment" }).click(),
  ]);
  await expect(first).toHaveURL(/\/environments\/[0-9a-f-]{36}$/);
  await expect(second).toHaveURL(first.url());

  const counts = await withDatabase(async (client) => {
    const environments = await client.query<{ id: string }>(`SELECT id FROM environment WHERE name = $1`, [name]);
    const attempts = await client.query(`SELECT 1 FROM provisioning_attempt WHERE "environmentId" = $1`, [environments.rows[0]?.id]);
    return { environments: environments.rowCount, attempts: attempts.rowCount };
  });
  expect(counts).toEqual({ environments: 1, attempts: 1 });
  await context.close();
});
