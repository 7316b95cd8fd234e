import { describe, expect, test } from "vitest";
import { csvCell, describeAuditEvent, timelineCsv } from "./timeline";

describe("audit export", () => {
  test.each([
    ["plain", "plain"],
    ["a,b", '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ["=HYPERLINK(1)", "'=HYPERLINK(1)"],
    ["+1", "'+1"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["-2,3", `"'-2,3"`],
    ["line\nbreak", '"line\nbreak"'],
  ])("csvCell(%j) = %j", (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  test("one header and one CRLF-terminated row per event", () => {
    const csv = timelineCsv([
      {
        id: "1",
        sequence: "1",
        at: new Date("2026-11-25T10:00:00.000Z"),
        actorType: "user",
        actor: "Acme Admin <admin@acme.example>",
        action: "environment.submitted",
        summary: "Created the environment",
        ipAddress: "203.0.113.9",
        environmentId: "e1",
        environmentName: "Prod, EU",
        details: {},
      },
    ]);
    expect(csv).toBe(
      "time,actor_type,actor,action,summary,ip_address,environment_id,environment_name\r\n" +
        '2026-11-25T10:00:00.000Z,user,Acme Admin <admin@acme.example>,environment.submitted,Created the environment,203.0.113.9,e1,"Prod, EU"\r\n',
    );
  });

  test("AWS calls and refused key ARNs are described with what matters", () => {
    expect(
      describeAuditEvent("aws.call", {
        service: "s3",
        operation: "PutObject",
        resource: "stratus-x-data/environment.json",
        keyArn: "arn:aws:kms:eu-west-1:123456789012:key/k",
        outcome: "failed",
        errorCode: "AccessDenied",
      }),
    ).toBe(
      "AWS call by the platform: s3 PutObject on stratus-x-data/environment.json with key arn:aws:kms:eu-west-1:123456789012:key/k → failed (AccessDenied)",
    );
    expect(describeAuditEvent("environment.draft.key_arns_rejected", { fieldErrors: { s3KeyArn: ["Use a key ARN, not an alias."] } })).toBe(
      "Key ARNs were refused: Use a key ARN, not an alias.",
    );
  });
});
