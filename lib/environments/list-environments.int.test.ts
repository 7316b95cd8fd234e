import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, inject, test } from "vitest";
import { asCustomer } from "@/lib/auth/access";
import { callerForUser } from "@/lib/auth/caller";
import { db } from "@/lib/db";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/test-database";
import { listEnvironments } from "./list-environments";

let database: TestDatabase;

/** An organization with one admin; returns the admin's user id. */
async function organizationWithAdmin(organizationId: string): Promise<string> {
  const userId = `user_${organizationId}`;
  await db().organization.create({ data: { id: organizationId, name: organizationId, slug: organizationId } });
  await db().user.create({ data: { id: userId, name: "Admin", email: `${userId}@example.com` } });
  await db().member.create({ data: { id: `member_${organizationId}`, organizationId, userId, role: "owner" } });
  return userId;
}

async function environment(organizationId: string, createdById: string, name: string, mode: "CUSTOMER_MANAGED" | "VENDOR_MANAGED", status: "READY" | "FAILED") {
  const created = await db().environment.create({
    data: { organizationId, createdById, name, region: "eu-west-1", encryptionMode: mode, status, tenantName: `${name}-${randomUUID().slice(0, 8)}` },
  });
  return created.id;
}

beforeAll(async () => {
  database = await createTestDatabase(inject("databaseAdminUrl"), "list_environments");
  Object.assign(process.env, { DATABASE_URL: database.url, BYOK_EMBEDDED: "1" });
});

afterAll(async () => {
  await db().$disconnect();
  await database?.drop();
});

test("ready customer-managed environments carry their key health; the others none; another organization's never", async () => {
  const acmeAdmin = await organizationWithAdmin("org_acme");
  const globexAdmin = await organizationWithAdmin("org_globex");
  const disabled = await environment("org_acme", acmeAdmin, "Disabled key", "CUSTOMER_MANAGED", "READY");
  await environment("org_acme", acmeAdmin, "Not checked", "CUSTOMER_MANAGED", "READY");
  const failed = await environment("org_acme", acmeAdmin, "Failed BYOK", "CUSTOMER_MANAGED", "FAILED");
  await environment("org_acme", acmeAdmin, "Vendor keys", "VENDOR_MANAGED", "READY");
  const globex = await environment("org_globex", globexAdmin, "Globex", "CUSTOMER_MANAGED", "READY");
  await db().keyHealth.create({ data: { environmentId: disabled, organizationId: "org_acme", state: "KEY_DISABLED", rotationOff: true } });
  // A row left from before the environment failed is not shown as its health.
  await db().keyHealth.create({ data: { environmentId: failed, organizationId: "org_acme", state: "HEALTHY" } });
  await db().keyHealth.create({ data: { environmentId: globex, organizationId: "org_globex", state: "ACCESS_DENIED" } });

  const listed = await listEnvironments(asCustomer(await callerForUser(acmeAdmin, { ipAddress: null })));
  expect(Object.fromEntries(listed.map((row) => [row.name, row.keyHealth]))).toEqual({
    "Disabled key": { state: "KEY_DISABLED", rotationOff: true },
    "Not checked": { state: "UNKNOWN", rotationOff: false },
    "Failed BYOK": null,
    "Vendor keys": null,
  });
});
