import { demoUsers, expect, signIn, test, withDatabase } from "../fixtures/portal";
import { waitForStatus } from "../fixtures/wizard";

interface Row {
  action: string;
  actorType: string;
  actorEmail: string | null;
  organizationSlug: string;
  environmentId: string | null;
  operation: string | null;
  resource: string | null;
  step: string | null;
}

test("walking the wizard and provisioning writes exactly these audit events, in order", async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, demoUsers.acme.email);
  await page.goto("/environments/new");
  await page.getByLabel("Environment name").fill(`Audited ${Date.now().toString(36)}`);
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByLabel("Vendor-managed").check();
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("button", { name: "Create environment" }).click();
  await expect(page).toHaveURL(/\/environments\/[0-9a-f-]{36}$/);
  await waitForStatus(page, "Ready");
  const environmentId = page.url().split("/").pop() ?? "";

  const rows = await withDatabase(async (client) =>
    (
      await client.query<Row>(
        `SELECT a.action, a."actorType", u.email AS "actorEmail", o.slug AS "organizationSlug", a."environmentId",
                a.details->>'operation' AS operation, a.details->>'resource' AS resource, a.details->>'step' AS step
           FROM audit_event a JOIN organization o ON o.id = a."organizationId" LEFT JOIN "user" u ON u.id = a."actorUserId"
          WHERE a."environmentId" = $1 ORDER BY a.sequence`,
        [environmentId],
      )
    ).rows,
  );
  for (const row of rows) {
    expect(row.organizationSlug).toBe("acme");
    expect(row.environmentId).toBe(environmentId);
    expect(row.actorEmail).toBe(row.actorType === "platform" ? null : demoUsers.acme.email);
  }
  const data = `arn:aws:s3:::stratus-${environmentId}-data`;
  const logs = `arn:aws:s3:::stratus-${environmentId}-logs`;
  const cluster = `stratus-${environmentId}`;
  expect(rows.map((row) => [row.actorType, row.action, row.operation ?? row.step ?? null, row.operation ? row.resource : null])).toEqual([
    ["user", "environment.draft.created", null, null],
    ["user", "environment.draft.encryption_chosen", null, null],
    ["user", "environment.submitted", null, null],
    ["user", "provisioning.attempt.queued", null, null],
    ["platform", "provisioning.attempt.started", null, null],
    ["platform", "aws.call", "CreateBucket", data],
    ["platform", "aws.call", "PutPublicAccessBlock", data],
    ["platform", "aws.call", "PutBucketEncryption", data],
    ["platform", "aws.call", "CreateBucket", logs],
    ["platform", "aws.call", "PutPublicAccessBlock", logs],
    ["platform", "aws.call", "PutBucketEncryption", logs],
    // The first writes, after both buckets are set up.
    ["platform", "aws.call", "PutObject", `${data}/environment.json`],
    ["platform", "aws.call", "PutObject", `${logs}/environment.json`],
    ["platform", "provisioning.step.succeeded", "object-storage", null],
    ["platform", "aws.call", "CreateDBCluster", cluster],
    ["platform", "aws.call", "DescribeDBClusters", cluster],
    ["platform", "provisioning.step.succeeded", "database", null],
    ["platform", "provisioning.step.succeeded", "finalize", null],
    ["platform", "environment.ready", null, null],
  ]);
});
