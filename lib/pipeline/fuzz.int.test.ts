/**
 * Hostile values against every use case the portal's actions and routes run, through the
 * pipeline's core (runUseCase) with a real caller, PostgreSQL and the AWS sandbox: whatever
 * arrives — NUL and other control characters, huge strings, wrong types, nested objects,
 * prototype-pollution keys, odd unicode — the outcome is a success or a 4xx, never a 500.
 * (Sign-in and sign-out need a request's cookies; the e2e suite sends them hostile values
 * over HTTP.)
 */
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { z } from "zod";
import { asCustomer, asSupport } from "@/lib/auth/access";
import { callerForUser, type Caller } from "@/lib/auth/caller";
import { db } from "@/lib/db";
import { publicError } from "@/lib/errors";
import * as environmentUseCases from "@/lib/environments/use-cases";
import * as keyHealthUseCases from "@/lib/key-health/use-cases";
import * as notificationUseCases from "@/lib/notifications/use-cases";
import * as webhookUseCases from "@/lib/webhooks/use-cases";
import { seedOrganization, startHarness, type Harness } from "@/lib/provisioning/__testing__/harness";
import * as supportUseCases from "@/lib/support/use-cases";
import * as sandboxDeployUseCases from "@/lib/sandbox-deploy/use-cases";
import { runUseCase, type UseCase } from "./use-case";

let harness: Harness;
let customer: Caller;
let support: Caller;
let realEnvironmentId: string;
let realOrganizationId: string;

beforeAll(async () => {
  harness = await startHarness(inject("databaseAdminUrl"));
  const org = await seedOrganization("fuzz");
  realOrganizationId = org.organizationId;
  customer = asCustomer(await callerForUser(org.userId, { ipAddress: "203.0.113.5" }));
  const supportUser = await db().user.create({ data: { id: "user_fuzz_support", name: "Fuzz Support", email: "support@fuzz.example", role: "support" } });
  support = asSupport(await callerForUser(supportUser.id));
  const draft = await runUseCase(environmentUseCases.createDraftUseCase, { caller: customer, ipAddress: null }, { name: "Fuzz target", region: "eu-west-1" });
  realEnvironmentId = (draft.output as { id: string }).id;
});

afterAll(async () => {
  await harness?.close();
});

/** JSON.parse makes "__proto__" an own key, as a decoded request body would. */
const pollution = JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}') as unknown;

let nested: unknown = "deep";
for (let level = 0; level < 60; level++) nested = { nested, list: [nested] };

const hostileValues: [string, unknown][] = [
  ["NUL", "\u0000"],
  ["NUL inside", "abc\u0000def"],
  ["C0 controls", "\u0001\u0002\u001b[31m\u001f"],
  ["DEL", "abc\u007f"],
  ["CRLF injection", "x\r\nSet-Cookie: a=b"],
  ["1 MB string", "x".repeat(1024 * 1024)],
  ["long unicode", "😀".repeat(50_000)],
  ["lone surrogate", "\ud800"],
  ["right-to-left override", "\u202egnp.exe"],
  ["zero-width", "\u200b\u200b"],
  ["SQL", "' OR 1=1; DROP TABLE environment; --"],
  ["HTML", "<script>alert(1)</script>"],
  ["path", "../../../etc/passwd"],
  ["empty", ""],
  ["spaces", "   "],
  ["nil uuid", "00000000-0000-0000-0000-000000000000"],
  ["uuid of nothing", "3f1e6a0c-2b7d-4c1e-9a4b-0f6c2d9e8a71"],
  ["key ARN of another account", "arn:aws:kms:eu-west-1:999999999999:key/3f1e6a0c-2b7d-4c1e-9a4b-0f6c2d9e8a71"],
  ["number", 42],
  ["negative", -1],
  ["huge number", Number.MAX_VALUE],
  ["NaN", Number.NaN],
  ["Infinity", Number.POSITIVE_INFINITY],
  ["boolean", true],
  ["null", null],
  ["undefined", undefined],
  ["array", ["a", "b"]],
  ["array of NUL", ["\u0000"]],
  ["object", { a: 1 }],
  ["prototype pollution", pollution],
  ["deeply nested", nested],
];

type AnyUseCase = UseCase<"customer" | "support", unknown, unknown>;

const isUseCase = (value: unknown): value is AnyUseCase => typeof value === "object" && value !== null && "access" in value && "run" in value;

const useCases: AnyUseCase[] = [environmentUseCases, keyHealthUseCases, notificationUseCases, webhookUseCases, supportUseCases, sandboxDeployUseCases].flatMap((module) => Object.values(module).filter(isUseCase));

/** A valid-looking input for the use case (so that one field at a time can be made hostile). */
function baseInput(): Record<string, unknown> {
  return { environmentId: realEnvironmentId, organizationId: realOrganizationId, name: "Fuzz", region: "eu-west-1", encryptionMode: "VENDOR_MANAGED", body: "note", format: "json" };
}

function fieldsOf(useCase: AnyUseCase): string[] {
  const schema = typeof useCase.input === "function" ? useCase.input() : useCase.input;
  return schema instanceof z.ZodObject ? Object.keys(schema.shape as Record<string, unknown>) : [];
}

async function outcomeOf(useCase: AnyUseCase, rawInput: unknown): Promise<{ status: number; message: string }> {
  const caller = useCase.access === "support" ? support : customer;
  try {
    await runUseCase(useCase, { caller, ipAddress: "203.0.113.5" }, rawInput);
    return { status: 200, message: "" };
  } catch (error) {
    const shown = publicError(error);
    return { status: shown.status, message: `${shown.message} ${error instanceof Error ? error.message.slice(0, 300) : String(error)}` };
  }
}

test("the fuzz covers every use case of the customer and support entry points", () => {
  expect(useCases.map((useCase) => useCase.name).sort()).toMatchInlineSnapshot(`
    [
      "environment.change-key-arns",
      "environment.change-role-key",
      "environment.delete",
      "environment.draft.acknowledge-keys",
      "environment.draft.choose-encryption",
      "environment.draft.choose-key-access",
      "environment.draft.create",
      "environment.draft.provide-key-arns",
      "environment.draft.provide-role-key",
      "environment.draft.update-basics",
      "environment.key-template",
      "environment.provisioning-status",
      "environment.retry-provisioning",
      "environment.submit",
      "key-health.check-now",
      "key-health.read",
      "notifications.mark-all-read",
      "organization.export-audit-log",
      "sandbox.deploy-keys",
      "sandbox.deploy-keys.progress",
      "support.add-note",
      "support.export-audit-log",
      "support.key-health.check-now",
      "support.key-health.read",
      "support.retry-provisioning",
      "webhook.remove",
      "webhook.rotate-secret",
      "webhook.save-url",
      "webhook.send-test",
      "webhook.set-enabled",
    ]
  `);
});

describe.each(useCases.map((useCase) => [useCase.name, useCase] as const))("%s", (_name, useCase) => {
  test("a hostile value as the whole input, or in any one field: never a 500", async () => {
    const failures: string[] = [];
    for (const [label, value] of hostileValues) {
      const whole = await outcomeOf(useCase, value);
      if (whole.status >= 500) failures.push(`whole input ${label}: ${whole.message}`);
      for (const field of fieldsOf(useCase)) {
        const outcome = await outcomeOf(useCase, { ...baseInput(), [field]: value });
        if (outcome.status >= 500) failures.push(`${field} = ${label}: ${outcome.message}`);
      }
    }
    expect(failures).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

test("a NUL in a note is refused with a message naming the field, and nothing is stored cut short", async () => {
  for (const body of ["\u0000", "abc\u0000def"]) {
    await expect(runUseCase(supportUseCases.addSupportNoteUseCase, { caller: support, ipAddress: null }, { organizationId: realOrganizationId, body })).rejects.toMatchObject({
      code: "VALIDATION",
      userMessage: 'The field "body" contains a control character (such as NUL) that is not allowed. Remove it and try again.',
      fieldErrors: { body: ['The field "body" contains a control character (such as NUL) that is not allowed. Remove it and try again.'] },
    });
  }
  expect(await db().supportNote.count({ where: { organizationId: realOrganizationId, body: { in: ["", "abc"] } } })).toBe(0);
});
