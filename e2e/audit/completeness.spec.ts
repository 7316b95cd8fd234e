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

test("walking the wizard and provisioning writes exactly these audit events, in order (each bucket's calls in order)", async ({ page }) => {
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
  const summary = rows.map((row) => [row.actorType, row.action, row.operation ?? row.step ?? null, row.operation ? row.resource : null]);
  const bucketCalls = (bucket: string) => [
    ["platform", "aws.call", "CreateBucket", bucket],
    ["platform", "aws.call", "PutPublicAccessBlock", bucket],
    ["platform", "aws.call", "PutBucketEncryption", bucket],
    ["platform", "aws.call", "PutObject", `${bucket}/environment.json`],
  ];
  // The two buckets are set up side by side: each bucket's calls in order, the buckets interleaved.
  const storage = summary.slice(5, 13);
  expect(storage.filter((row) => String(row[3]).startsWith(data))).toEqual(bucketCalls(data));
  expect(storage.filter((row) => String(row[3]).startsWith(logs))).toEqual(bucketCalls(logs));
  expect([...summary.slice(0, 5), ...summary.slice(13)]).toEqual([
    ["user", "environment.draft.created", null, null],
    ["user", "environment.draft.encryption_chosen", null, null],
    ["user", "environment.submitted", null, null],
    ["user", "provisioning.attempt.queued", null, null],
    ["platform", "provisioning.attempt.started", null, null],
    ["platform", "provisioning.step.succeeded", "object-storage", null],
    ["platform", "aws.call", "CreateDBCluster", cluster],
    ["platform", "aws.call", "DescribeDBClusters", cluster],
    ["platform", "provisioning.step.succeeded", "database", null],
    ["platform", "provisioning.step.succeeded", "finalize", null],
    ["platform", "environment.ready", null, null],
  ]);
});
