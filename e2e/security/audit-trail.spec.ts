import { spawnSync } from "node:child_process";
import { createCustomerOrganization, demoUsers, expect, signIn, test, withDatabase } from "../fixtures/portal";

/**
 * Issue 12, defects 4–6 replayed against the production build: the support console's hostile
 * inputs, the audit events support's reads, notes and exports (and a customer's export) now
 * leave, the app's own database connection refused a TRUNCATE, and `npm run audit:verify` on
 * the very database the portal wrote to.
 */

async function eventsOf(organizationId: string, action: string): Promise<Array<{ actorType: string; email: string | null; details: Record<string, unknown> }>> {
  return withDatabase(async (client) =>
    (
      await client.query(
        `SELECT a."actorType", u.email, a.details FROM audit_event a LEFT JOIN "user" u ON u.id = a."actorUserId"
          WHERE a."organizationId" = $1 AND a.action = $2 ORDER BY a.sequence`,
        [organizationId, action],
      )
    ).rows,
  );
}

const forgedCursor = (sort: string, value: unknown, id = "org") => Buffer.from(JSON.stringify({ sort, value, id })).toString("base64url");

test("the tenants list answers a NUL search and forged cursors with a message, never a 500", async ({ page }) => {
  await signIn(page, demoUsers.support.email);
  const cases: Array<[string, string]> = [
    ["/support/tenants?q=%00", "A search cannot contain control characters (such as NUL) or line breaks"],
    ["/support/tenants?q=acme%00corp", "A search cannot contain control characters (such as NUL) or line breaks"],
    [`/support/tenants?sort=activity&cursor=${forgedCursor("activity", "not-a-date")}`, "That page link is not valid"],
    [`/support/tenants?sort=environments&cursor=${forgedCursor("environments", 1e20)}`, "That page link is not valid"],
    [`/support/tenants?cursor=${forgedCursor("name", "Acme", "org\u0000")}`, "That page link is not valid"],
    ["/support/tenants?cursor=abc%00", "That page link is not valid"],
  ];
  for (const [url, message] of cases) {
    const response = await page.goto(url);
    expect(response?.status(), url).toBe(200);
    await expect(page.getByRole("main").getByRole("alert"), url).toContainText(message);
    await expect(page.getByRole("link", { name: "Acme Corp" }), url).toBeVisible();
  }
});

test("an organization id with NUL in the export route is a 4xx", async ({ page }) => {
  await signIn(page, demoUsers.support.email);
  for (const segment of ["%00", "org%00x"]) {
    const response = await page.request.get(`/api/support/tenants/${segment}/audit-log?format=csv`);
    expect([400, 404], segment).toContain(response.status());
  }
});

test("support's reads, notes and exports of a tenant's log, and the customer's own export, are audited", async ({ browser }) => {
  const tenant = await createCustomerOrganization("audited");
  const support = await (await browser.newContext()).newPage();
  await signIn(support, demoUsers.support.email);
  await support.goto(`/support/tenants/${tenant.organizationId}`);
  await expect(support.getByRole("heading", { level: 1 })).toContainText("audited");
  await support.getByLabel("Add an internal note").fill("Checked their key policy with them.");
  await support.getByRole("button", { name: "Save note" }).click();
  await expect(support.getByText("Note saved.")).toBeVisible();
  const exported = await support.request.get(`/api/support/tenants/${tenant.organizationId}/audit-log?format=json`);
  expect(exported.status()).toBe(200);

  const viewed = await eventsOf(tenant.organizationId, "support.audit_log.viewed");
  expect(viewed.length).toBeGreaterThanOrEqual(1);
  expect(viewed[0]).toMatchObject({ actorType: "support", email: demoUsers.support.email, details: { scope: "organization" } });
  const notes = await eventsOf(tenant.organizationId, "support.note.added");
  expect(notes).toHaveLength(1);
  expect(JSON.stringify(notes[0]?.details)).not.toContain("key policy");
  expect(await eventsOf(tenant.organizationId, "support.audit_log.exported")).toEqual([
    { actorType: "support", email: demoUsers.support.email, details: { format: "json", events: expect.any(Number) } },
  ]);

  const customer = await (await browser.newContext()).newPage();
  await signIn(customer, tenant.email);
  const own = await customer.request.get("/api/audit-log?format=json");
  expect(own.status()).toBe(200);
  const entries = (await own.json()) as Array<{ action: string }>;
  // The customer sees that support read and exported their log, never that support wrote a note.
  expect(entries.map((entry) => entry.action)).toEqual(expect.arrayContaining(["support.audit_log.viewed", "support.audit_log.exported"]));
  expect(entries.map((entry) => entry.action)).not.toContain("support.note.added");
  expect(await eventsOf(tenant.organizationId, "organization.audit_log.exported")).toEqual([
    { actorType: "user", email: tenant.email, details: { format: "json", events: entries.length } },
  ]);
});

test("better-auth's organization endpoints are not served: no rename, no invitation, nothing unaudited", async ({ page, baseURL }) => {
  const tenant = await createCustomerOrganization("orgapi");
  await signIn(page, tenant.email);
  const headers = { origin: baseURL ?? "", "content-type": "application/json" };
  const update = await page.request.post("/api/auth/organization/update", {
    headers,
    data: { organizationId: tenant.organizationId, data: { name: "Acme <b>Corp</b>", slug: "globex2" } },
  });
  expect(update.status()).toBe(404);
  const invite = await page.request.post("/api/auth/organization/invite-member", {
    headers,
    data: { organizationId: tenant.organizationId, email: demoUsers.support.email, role: "owner" },
  });
  expect(invite.status()).toBe(404);
  const state = await withDatabase(async (client) => ({
    organization: (await client.query(`SELECT name, slug FROM organization WHERE id = $1`, [tenant.organizationId])).rows[0],
    invitations: (await client.query(`SELECT 1 FROM invitation WHERE "organizationId" = $1`, [tenant.organizationId])).rowCount,
  }));
  expect(state.organization).toEqual({ name: expect.stringMatching(/^orgapi /), slug: expect.stringMatching(/^orgapi-/) });
  expect(state.invitations).toBe(0);
});

test("the portal's own database connection cannot empty the audit log, and audit:verify finds the chain intact", async () => {
  await withDatabase(async (client) => {
    await expect(client.query("TRUNCATE audit_event")).rejects.toThrow("permission denied for table audit_event");
    await expect(client.query(`UPDATE audit_event SET action = 'rewritten'`)).rejects.toThrow("permission denied for table audit_event");
  });
  const result = spawnSync(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/audit-verify.ts"], {
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, DATABASE_URL: process.env.E2E_DATABASE_URL, DATABASE_OWNER_URL: "", BYOK_EMBEDDED: "" },
  });
  expect(result.stderr).toBe("");
  expect(result.stdout).toMatch(/^Audit log intact: \d+ events/);
  expect(result.status).toBe(0);
});
