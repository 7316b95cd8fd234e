import { describe, expect, it } from "vitest";
import { parseLogGroupArn } from "./arns";
import { assumeFailureMessage, logsFailureMessage } from "./failures";

const ROLE = "arn:aws:iam::123456789012:role/byok-key-use-log";
const GROUP_ARN = "arn:aws:logs:eu-west-1:123456789012:log-group:/byok/key-use";
const group = parseLogGroupArn(GROUP_ARN) ?? (() => { throw new Error("bad test ARN"); })();
const SESSION = "arn:aws:sts::123456789012:assumed-role/byok-key-use-log/byok-env-x";

/** An error shaped as the AWS SDK throws it. */
function awsError(name: string, message: string, httpStatusCode = 400): Error {
  return Object.assign(new Error(message), { name, $fault: "client", $metadata: { httpStatusCode, requestId: "r-1" } });
}

describe("the customer's words for a failed AssumeRole", () => {
  it("names the role and the trust policy when STS refuses the External ID", () => {
    const error = awsError("AccessDenied", `User: arn:aws:sts::210987654321:assumed-role/byok-platform/byok-env-x is not authorized to perform: sts:AssumeRole on resource: ${ROLE}`, 403);
    expect(assumeFailureMessage(error, ROLE)).toBe(
      `The platform could not assume the log role ${ROLE} with your External ID: check that the role exists and that its trust policy names the platform role with your External ID.`,
    );
  });

  it("asks for sts:TagSession when only that is missing", () => {
    const error = awsError("AccessDenied", `User: x is not authorized to perform: sts:TagSession on resource: ${ROLE}`, 403);
    expect(assumeFailureMessage(error, ROLE)).toContain("must allow sts:TagSession");
  });

  it("does not blame the customer when the platform's own role refused", () => {
    const error = awsError("AccessDenied", "User: arn:aws:sts::210987654321:assumed-role/byok-portal/portal is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::210987654321:role/byok-platform", 403);
    expect(assumeFailureMessage(error, ROLE)).toBe("The platform could not open its own session for this environment; it will try again.");
  });

  it("says it will try again when STS did not answer, without local detail", () => {
    const error = Object.assign(new Error("connect ECONNREFUSED 10.0.0.7:443"), { code: "ECONNREFUSED" });
    const message = assumeFailureMessage(error, ROLE);
    expect(message).toContain("it will try again");
    expect(message).not.toContain("10.0.0.7");
  });
});

describe("the customer's words for a failed CloudWatch Logs call", () => {
  it("says the group does not exist", () => {
    expect(logsFailureMessage(awsError("ResourceNotFoundException", "The specified log group does not exist."), group, ROLE)).toBe(
      `The log group ${GROUP_ARN} does not exist: create it in eu-west-1 of account 123456789012, or change the log group ARN.`,
    );
  });

  it.each(["logs:PutLogEvents", "logs:CreateLogStream"])("names the missing permission %s", (action) => {
    const error = awsError("AccessDeniedException", `User: ${SESSION} is not authorized to perform: ${action} on resource: ${GROUP_ARN}:log-stream:s because no identity-based policy allows the ${action} action`);
    expect(logsFailureMessage(error, group, ROLE)).toBe(`The log role may not write to the log group: its policy lacks ${action} on ${GROUP_ARN}.`);
  });

  it("treats throttling and AWS-side failures as temporary", () => {
    expect(logsFailureMessage(awsError("ThrottlingException", "Rate exceeded"), group, ROLE)).toBe("CloudWatch Logs did not answer in time (ThrottlingException); the platform will try again.");
    expect(logsFailureMessage(awsError("ServiceUnavailableException", "x", 503), group, ROLE)).toContain("will try again");
  });

  it("gives an unknown code without inventing a cause", () => {
    expect(logsFailureMessage(awsError("SomethingNewException", "internal detail"), group, ROLE)).toBe("CloudWatch Logs refused the events (SomethingNewException).");
  });
});
