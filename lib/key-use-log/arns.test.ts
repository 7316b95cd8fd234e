import { describe, expect, it } from "vitest";
import { LOG_GROUP_ARN_EXAMPLE, logForwardingSchema, logGroupArnSchema, logRoleArnSchema, parseLogGroupArn } from "./arns";

const GROUP = "arn:aws:logs:eu-west-1:123456789012:log-group:/byok/key-use";
const ROLE = "arn:aws:iam::123456789012:role/byok-key-use-log";

function problem(schema: typeof logGroupArnSchema | typeof logRoleArnSchema, value: unknown): string {
  const result = schema.safeParse(value);
  if (result.success) throw new Error(`expected ${JSON.stringify(value)} to be refused`);
  return result.error.issues.map((issue) => issue.message).join(" | ");
}

describe("log group ARNs", () => {
  it.each([
    [GROUP, "aws", "eu-west-1", "/byok/key-use"],
    [`${GROUP}:*`, "aws", "eu-west-1", "/byok/key-use"],
    ["arn:aws-us-gov:logs:us-gov-west-1:123456789012:log-group:a.b-c_d#e", "aws-us-gov", "us-gov-west-1", "a.b-c_d#e"],
    [`arn:aws:logs:eu-west-1:123456789012:log-group:${"n".repeat(512)}`, "aws", "eu-west-1", "n".repeat(512)],
  ])("accepts %s", (arn, partition, region, name) => {
    expect(parseLogGroupArn(arn)).toMatchObject({ partition, region, accountId: "123456789012", name, arn: arn.replace(/:\*$/, "") });
    expect(logGroupArnSchema.parse(`  ${arn}\n`)).toBe(arn);
  });

  it.each([
    ["", /^Enter the log group's ARN, e\.g\. arn:aws:logs:eu-west-1:123456789012:log-group:\/byok\/key-use\.$/],
    ["/byok/key-use", /not an ARN/],
    ["arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", /ARN of kms, not of a CloudWatch Logs log group/],
    ["arn:aws:logs:europe:123456789012:log-group:/x", /Region "europe"/],
    ["arn:aws:logs:eu-west-1:1234:log-group:/x", /account id must be 12 digits/],
    [`${GROUP}:log-stream:s1`, /log stream's ARN/],
    ["arn:aws:logs:eu-west-1:123456789012:destination:d", /names no log group/],
    ["arn:aws:logs:eu-west-1:123456789012:log-group:bad name", /1 to 512 letters, digits and \. - _ \/ # only/],
    [`arn:aws:logs:eu-west-1:123456789012:log-group:${"n".repeat(513)}`, /1 to 512/],
    ["arn:aws:logs:eu-west-1:123456789012:log-group:", /1 to 512/],
    ["arn:aws:logs:eu-west-1:123456789012:log-group:/x:*:*", /1 to 512/],
  ])("refuses %j with a message that says what is wrong", (value, message) => {
    const text = problem(logGroupArnSchema, value);
    expect(text).toMatch(message);
    expect(text).toContain(LOG_GROUP_ARN_EXAMPLE);
    expect(parseLogGroupArn(value)).toBeNull();
  });

  it("refuses a value that is not a string", () => {
    expect(problem(logGroupArnSchema, 42)).toContain("Enter the log group's ARN");
  });
});

describe("log role ARNs", () => {
  it("accepts a role ARN, with a path too", () => {
    expect(logRoleArnSchema.parse(ROLE)).toBe(ROLE);
    expect(logRoleArnSchema.parse("arn:aws:iam::123456789012:role/team/byok-log")).toBe("arn:aws:iam::123456789012:role/team/byok-log");
  });

  it.each([
    ["", /^Enter the log role's ARN/],
    ["arn:aws:sts::123456789012:assumed-role/byok-key-use-log/session", /role session's ARN/],
    ["arn:aws:iam::123456789012:user/admin", /not an IAM role ARN/],
    ["byok-key-use-log", /not an IAM role ARN/],
  ])("refuses %j", (value, message) => {
    expect(problem(logRoleArnSchema, value)).toMatch(message);
  });
});

describe("both together", () => {
  it("normalises the group's ARN (no trailing :*)", () => {
    expect(logForwardingSchema.parse({ logGroupArn: `${GROUP}:*`, logRoleArn: ROLE })).toEqual({ logGroupArn: GROUP, logRoleArn: ROLE });
  });

  it("refuses a role of another account than the group's, on the role field", () => {
    const result = logForwardingSchema.safeParse({ logGroupArn: GROUP, logRoleArn: "arn:aws:iam::444455556666:role/byok-key-use-log" });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ path: ["logRoleArn"], message: expect.stringContaining("must be in the log group's account (123456789012), not 444455556666") }),
    ]);
  });
});
