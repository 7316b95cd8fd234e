import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkKeyArn,
  formatKeyArn,
  keyArnSchema,
  keyArnsFromPayloadSchema,
  keyArnsSchema,
  onboardingPayloadSchema,
  parseKeyArn,
  parseOnboardingPayload,
  type KeyArnContext,
} from "./arns";
import { InvalidByokValueError } from "./values";

const ctx: KeyArnContext = { partition: "aws", region: "eu-west-1", platformAccountId: "210987654321" };
const UUID = "1234abcd-12ab-34cd-56ef-1234567890ab";
const MRK = "mrk-1234abcd12ab34cd56ef1234567890ab";
const GOOD = `arn:aws:kms:eu-west-1:123456789012:key/${UUID}`;
const GOOD_MRK = `arn:aws:kms:eu-west-1:123456789012:key/${MRK}`;
const OTHER = `arn:aws:kms:eu-west-1:123456789012:key/5d2f8c1a-3b4e-4f6a-9c7d-1e2f3a4b5c6d`;
const EXAMPLE = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

const STRAY_ADVICE =
  "which cannot be part of a key ARN. This often happens when copying from a document, chat or web page: copy the ARN again from the AWS console or the AWS CLI output, or type it in.";
const KEY_ID_ADVICE =
  "is not a valid KMS key ID. A key ID is either a UUID such as 1234abcd-12ab-34cd-56ef-1234567890ab or, for a multi-region key, mrk- followed by 32 hexadecimal characters.";
const ALIAS_WARNING =
  "An alias can be pointed at a different key at any time, which would silently change the key that encrypts your data.";
const OTHER_SERVICE_ADVICE = "not of a KMS key. Paste the ARN of the KMS key you created for this environment; it starts with arn:aws:kms:.";
const UPPER_CASE =
  "Key ARNs are written entirely in lower case, but this one contains capital letters, so it was probably changed on the way (for example by a spreadsheet or word processor). Copy the ARN again from the AWS console or the AWS CLI output.";

/** Every malformed or hostile key ARN, with the exact message the user sees. */
const badKeyArns: Array<[name: string, input: string, message: string]> = [
  ["empty", "", `Enter the ARN of your KMS key, for example ${EXAMPLE}.`],
  ["only whitespace", "  \n\t ", `Enter the ARN of your KMS key, for example ${EXAMPLE}.`],
  ["too long", "a".repeat(300), `This is much longer than a key ARN. Paste only the ARN of the key, for example ${EXAMPLE}.`],
  [
    "alias ARN",
    "arn:aws:kms:eu-west-1:123456789012:alias/my-key",
    `This is the ARN of an alias, not of a key. ${ALIAS_WARNING} Paste the key's own ARN, which contains :key/ instead of :alias/; the AWS console shows it on the key's page.`,
  ],
  [
    "alias name",
    "alias/my-key",
    `This is an alias name, not a key ARN. ${ALIAS_WARNING} Paste the ARN of the key itself, for example ${EXAMPLE}; aws kms describe-key --key-id <alias name> prints it.`,
  ],
  [
    "AWS managed alias name",
    "alias/aws/s3",
    `This is an alias name, not a key ARN. ${ALIAS_WARNING} Paste the ARN of the key itself, for example ${EXAMPLE}; aws kms describe-key --key-id <alias name> prints it.`,
  ],
  [
    "bare key id",
    UUID,
    `This is only a key ID. Paste the full key ARN, which also names the Region and the account: arn:aws:kms:eu-west-1:<your account ID>:key/${UUID}.`,
  ],
  [
    "bare multi-region key id",
    MRK,
    `This is only a key ID. Paste the full key ARN, which also names the Region and the account: arn:aws:kms:eu-west-1:<your account ID>:key/${MRK}.`,
  ],
  [
    "key/ and id without the ARN",
    `key/${UUID}`,
    `This is only a key ID. Paste the full key ARN, which also names the Region and the account: arn:aws:kms:eu-west-1:<your account ID>:key/${UUID}.`,
  ],
  ["a key's name", "my-production-key", `This is not a key ARN. A key ARN starts with arn:aws:kms: and looks like ${EXAMPLE}.`],
  [
    "console URL",
    `https://eu-west-1.console.aws.amazon.com/kms/home?region=eu-west-1#/kms/keys/${UUID}`,
    `This is not a key ARN. A key ARN starts with arn:aws:kms: and looks like ${EXAMPLE}.`,
  ],
  ["IAM role ARN", "arn:aws:iam::123456789012:role/KeyAdmin", `This is the ARN of an IAM role, ${OTHER_SERVICE_ADVICE}`],
  ["S3 bucket ARN", "arn:aws:s3:::my-bucket", `This is the ARN of an S3 bucket or object, ${OTHER_SERVICE_ADVICE}`],
  ["the platform's role session", "arn:aws:sts::210987654321:assumed-role/byok-platform/portal", `This is the ARN of an IAM role session, ${OTHER_SERVICE_ADVICE}`],
  ["Lambda function ARN", "arn:aws:lambda:eu-west-1:123456789012:function:x", `This is the ARN of a resource of the AWS service "lambda", ${OTHER_SERVICE_ADVICE}`],
  [
    "China partition",
    `arn:aws-cn:kms:cn-north-1:123456789012:key/${UUID}`,
    "This key is in AWS China (aws-cn), but this environment runs in the standard AWS partition (aws), and keys cannot be used across partitions. Create the key in eu-west-1, in the standard AWS partition (aws), and paste its ARN.",
  ],
  [
    "GovCloud partition",
    `arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/${UUID}`,
    "This key is in AWS GovCloud (US) (aws-us-gov), but this environment runs in the standard AWS partition (aws), and keys cannot be used across partitions. Create the key in eu-west-1, in the standard AWS partition (aws), and paste its ARN.",
  ],
  ["made-up partition", `arn:amazon:kms:eu-west-1:123456789012:key/${UUID}`, '"amazon" is not an AWS partition. A key ARN for this environment starts with arn:aws:kms:.'],
  [
    "malformed region",
    `arn:aws:kms:europe-west:123456789012:key/${UUID}`,
    'The Region part of the ARN, "europe-west", is not an AWS Region code. The key must be in eu-west-1, the Region of this environment.',
  ],
  [
    "no region",
    `arn:aws:kms::123456789012:key/${UUID}`,
    "The ARN has no Region. The key must be in eu-west-1, the Region of this environment: arn:aws:kms:eu-west-1:…",
  ],
  [
    "another region",
    `arn:aws:kms:us-east-1:123456789012:key/${UUID}`,
    "This key is in us-east-1, but this environment runs in eu-west-1. S3 and Aurora can only use a key in their own Region. Create the key in eu-west-1 and paste its ARN. If you use a multi-region key, paste the ARN of its replica in eu-west-1.",
  ],
  [
    "multi-region key, the copy in another region",
    `arn:aws:kms:us-east-1:123456789012:key/${MRK}`,
    "This multi-region key ARN points to the copy of the key in us-east-1, but this environment runs in eu-west-1. S3 and Aurora can only use a key in their own Region. Paste the ARN of the key's replica in eu-west-1 (same key ID, with eu-west-1 in the ARN); if there is no replica there yet, create one with aws kms replicate-key.",
  ],
  [
    "11-digit account",
    `arn:aws:kms:eu-west-1:12345678901:key/${UUID}`,
    'The account part of the ARN, "12345678901", is not an AWS account ID. An account ID is exactly 12 digits, for example 111122223333.',
  ],
  [
    "account with dashes",
    `arn:aws:kms:eu-west-1:1234-5678-9012:key/${UUID}`,
    'The account part of the ARN, "1234-5678-9012", is not an AWS account ID. An account ID is exactly 12 digits, for example 111122223333.',
  ],
  ["no account", `arn:aws:kms:eu-west-1::key/${UUID}`, `The ARN has no account ID. It belongs between the Region and key/, for example ${EXAMPLE}.`],
  [
    "a key in the platform's account",
    `arn:aws:kms:eu-west-1:210987654321:key/${UUID}`,
    "This key is in the platform's own AWS account (210987654321), not in yours. With BYOK you hold the key: create it in your own AWS account and paste that key's ARN.",
  ],
  ["malformed key id", "arn:aws:kms:eu-west-1:123456789012:key/not-a-key-id", `The key ID "not-a-key-id" ${KEY_ID_ADVICE}`],
  ["key id one character short", `arn:aws:kms:eu-west-1:123456789012:key/${UUID.slice(0, -1)}`, `The key ID "${UUID.slice(0, -1)}" ${KEY_ID_ADVICE}`],
  ["short multi-region key id", "arn:aws:kms:eu-west-1:123456789012:key/mrk-1234", `The key ID "mrk-1234" ${KEY_ID_ADVICE}`],
  ["trailing full stop from a sentence", `${GOOD}.`, `The key ID "${UUID}." ${KEY_ID_ADVICE}`],
  ["path after the key id", `${GOOD}/extra`, `The key ID "${UUID}/extra" ${KEY_ID_ADVICE}`],
  ["command substitution", `${GOOD}$(reboot)`, `The key ID ${KEY_ID_ADVICE}`],
  ["backticks", `${GOOD}\`id\``, `The key ID ${KEY_ID_ADVICE}`],
  [
    "incomplete ARN",
    "arn:aws:kms:eu-west-1:123456789012",
    `This ARN is incomplete. A key ARN has six parts separated by colons, arn:aws:kms:<Region>:<account ID>:key/<key ID>, for example ${EXAMPLE}.`,
  ],
  [
    "key id without key/",
    `arn:aws:kms:eu-west-1:123456789012:${UUID}`,
    `This ARN does not name a KMS key. A key ARN ends with key/ followed by the key ID, for example ${EXAMPLE}.`,
  ],
  [
    "custom key store ARN",
    "arn:aws:kms:eu-west-1:123456789012:keystore/cks-1234567890abcdef0",
    `This ARN names a KMS keystore, not a key. A key ARN ends with key/ followed by the key ID, for example ${EXAMPLE}.`,
  ],
  ["all upper case", GOOD.toUpperCase(), UPPER_CASE],
  ["upper-case key id", GOOD.replace("1234abcd", "1234ABCD"), UPPER_CASE],
  ["leading zero-width space", `\u200B${GOOD}`, `The ARN contains an invisible character (U+200B) at position 1, ${STRAY_ADVICE}`],
  ["zero-width space inside", GOOD.replace("abcd-12ab", "abcd\u200B-12ab"), `The ARN contains an invisible character (U+200B) at position 48, ${STRAY_ADVICE}`],
  ["byte order mark inside", GOOD.replace(":key", "\uFEFF:key"), `The ARN contains an invisible character (U+FEFF) at position 35, ${STRAY_ADVICE}`],
  ["smart quotes from a document", `“${GOOD}”`, `The ARN contains a curly quotation mark (“) at position 1, ${STRAY_ADVICE}`],
  ["en dash instead of a hyphen", GOOD.replace("abcd-12ab", "abcd\u201312ab"), `The ARN contains the character – (U+2013) at position 48, ${STRAY_ADVICE}`],
  ["Cyrillic look-alike letter", `\u0430${GOOD.slice(1)}`, `The ARN contains the character а (U+0430) at position 1, ${STRAY_ADVICE}`],
  ["space inside", GOOD.replace(":key", ": key"), `The ARN contains a space at position 36, ${STRAY_ADVICE}`],
  ["two ARNs on two lines", `${GOOD}\n${OTHER}`, `The ARN contains a line break at position 76, ${STRAY_ADVICE}`],
  ["NUL byte", `${GOOD}\u0000`, `The ARN contains an invisible control character (U+0000) at position 76, ${STRAY_ADVICE}`],
  ["straight double quotes", `"${GOOD}"`, "Remove the quotation marks around the ARN and paste only the ARN itself, starting with arn:."],
  ["straight single quotes", `'${GOOD}'`, "Remove the quotation marks around the ARN and paste only the ARN itself, starting with arn:."],
];

describe("key ARN checks: bad input", () => {
  it("has at least 30 distinct cases", () => {
    expect(badKeyArns.length).toBeGreaterThanOrEqual(30);
    expect(new Set(badKeyArns.map(([, input]) => input)).size).toBe(badKeyArns.length);
  });

  it.each(badKeyArns)("rejects %s with its own message", (_name, input, message) => {
    const check = checkKeyArn(input, ctx);
    expect(check.ok).toBe(false);
    expect(check.ok ? undefined : check.message).toBe(message);

    const parsed = keyArnSchema(ctx).safeParse(input);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.message)).toEqual([message]);
  });

  it("asks for the ARN when the field is missing or not text", () => {
    for (const input of [undefined, null, 42, {}]) {
      const parsed = keyArnSchema(ctx).safeParse(input);
      expect(parsed.error?.issues.map((issue) => issue.message)).toEqual([`Enter the ARN of your KMS key, for example ${EXAMPLE}.`]);
    }
  });
});

describe("key ARN checks: good input", () => {
  it.each([
    ["a single-region key", GOOD, GOOD],
    ["a multi-region key's replica in the environment's region", GOOD_MRK, GOOD_MRK],
    ["padding, tabs and line breaks around it", `  \t${GOOD}\n`, GOOD],
    ["a trailing non-breaking space", `${GOOD}\u00A0`, GOOD],
  ])("accepts %s and returns the trimmed ARN", (_name, input, arn) => {
    expect(keyArnSchema(ctx).parse(input)).toBe(arn);
    const check = checkKeyArn(input, ctx);
    expect(check.ok && check.key).toEqual({
      partition: "aws",
      service: "kms",
      region: "eu-west-1",
      accountId: "123456789012",
      resourceType: "key",
      keyId: arn.slice(arn.indexOf("/") + 1),
      multiRegion: arn.includes("mrk-"),
    });
  });

  it("follows the environment's partition and region", () => {
    const gov = { partition: "aws-us-gov", region: "us-gov-west-1", platformAccountId: "210987654321" };
    const arn = `arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/${UUID}`;
    expect(keyArnSchema(gov).parse(arn)).toBe(arn);
    expect(keyArnSchema(ctx).safeParse(arn).success).toBe(false);
  });

  it("refuses an invalid environment context (a programming error, not user input)", () => {
    expect(() => keyArnSchema({ ...ctx, region: "eu-west" })).toThrow(InvalidByokValueError);
    expect(() => keyArnSchema({ ...ctx, platformAccountId: "2109" })).toThrow(InvalidByokValueError);
    expect(() => keyArnSchema({ ...ctx, partition: "amazon" })).toThrow(InvalidByokValueError);
  });
});

describe("parseKeyArn", () => {
  it("splits a key ARN into account and region", () => {
    expect(parseKeyArn(GOOD_MRK)).toEqual({
      partition: "aws",
      service: "kms",
      region: "eu-west-1",
      accountId: "123456789012",
      resourceType: "key",
      keyId: MRK,
      multiRegion: true,
    });
  });

  it.each([
    "arn:aws:kms:eu-west-1:123456789012:alias/x",
    GOOD.toUpperCase(),
    `${GOOD} `,
    `arn:aws-foo:kms:eu-west-1:123456789012:key/${UUID}`,
    "arn:aws:iam::123456789012:role/x",
    "",
  ])("returns null for %j", (input) => {
    expect(parseKeyArn(input)).toBeNull();
  });
});

describe("the S3 and RDS key pair", () => {
  const schema = keyArnsSchema(ctx);

  it("accepts two different keys", () => {
    expect(schema.parse({ s3KeyArn: ` ${GOOD} `, rdsKeyArn: GOOD_MRK })).toEqual({ s3KeyArn: GOOD, rdsKeyArn: GOOD_MRK });
  });

  it("refuses the same key twice, on the RDS field, also when only the padding differs", () => {
    const result = schema.safeParse({ s3KeyArn: GOOD, rdsKeyArn: `  ${GOOD}\n` });
    expect(result.error?.issues.map(({ path, message }) => ({ path, message }))).toEqual([
      {
        path: ["rdsKeyArn"],
        message:
          "This is the same key as the S3 key. Use two separate keys, one for object storage (S3) and one for the database (Aurora), so that each can be managed and, if needed, revoked on its own.",
      },
    ]);
  });

  it("reports each field's own problem on its own path", () => {
    const result = schema.safeParse({ s3KeyArn: "alias/x", rdsKeyArn: `arn:aws:kms:us-east-1:123456789012:key/${UUID}` });
    expect(result.error?.issues.map(({ path }) => path)).toEqual([["s3KeyArn"], ["rdsKeyArn"]]);
  });
});

const PAYLOAD_SHAPE = '{"S3KmsKeyArn":"arn:…","RdsKmsKeyArn":"arn:…"}';
const NOT_JSON = `The onboarding payload is not valid JSON. Paste the complete output of the describe-stacks command: one line that starts with { and ends with }, like ${PAYLOAD_SHAPE}.`;
const WRONG_SHAPE = `The onboarding payload must be a JSON object with the fields S3KmsKeyArn and RdsKmsKeyArn, like ${PAYLOAD_SHAPE}. Paste the output of the describe-stacks command unchanged.`;
const NO_OUTPUT =
  "The describe-stacks command found no OnboardingPayload output. Wait until the stack has reached CREATE_COMPLETE or UPDATE_COMPLETE, check the stack name and Region, and run the command again.";

const badPayloads: Array<[name: string, input: string, message: string]> = [
  ["empty", "", `Paste the onboarding payload, the output of the describe-stacks command. It looks like ${PAYLOAD_SHAPE}.`],
  ["describe-stacks printed None", "None\n", NO_OUTPUT],
  ["describe-stacks --output json found nothing", "[]", NO_OUTPUT],
  [
    "a single ARN",
    GOOD,
    "This is a single ARN, not the onboarding payload. Paste it into the S3 key ARN or RDS key ARN field, or paste the whole output of the describe-stacks command here.",
  ],
  ["unquoted keys and values", `{S3KmsKeyArn: ${GOOD}, RdsKmsKeyArn: ${OTHER}}`, NOT_JSON],
  ["cut off at the end", `{"S3KmsKeyArn":"${GOOD}","RdsKmsKeyArn":"arn:aws:km`, NOT_JSON],
  ["a JSON string that is not an object", '"just text"', NOT_JSON],
  [
    "curly quotes from a chat app",
    `{“S3KmsKeyArn”: “${GOOD}”, “RdsKmsKeyArn”: “${OTHER}”}`,
    "The onboarding payload contains curly quotation marks (“ ”), which an editor or chat app put in place of straight quotes, so it is no longer valid JSON. Copy it again directly from your terminal.",
  ],
  ["a list", "[1,2]", WRONG_SHAPE],
  ["an empty object", "{}", WRONG_SHAPE],
  ["other fields only", '{"foo":1}', WRONG_SHAPE],
  [
    "the RDS key missing",
    `{"S3KmsKeyArn":"${GOOD}"}`,
    "The onboarding payload has no RdsKmsKeyArn field. Paste the complete output of the describe-stacks command, which holds both S3KmsKeyArn and RdsKmsKeyArn.",
  ],
  [
    "the S3 key missing",
    `{"RdsKmsKeyArn":"${GOOD}"}`,
    "The onboarding payload has no S3KmsKeyArn field. Paste the complete output of the describe-stacks command, which holds both S3KmsKeyArn and RdsKmsKeyArn.",
  ],
  ["a number instead of an ARN", `{"S3KmsKeyArn":123,"RdsKmsKeyArn":"${OTHER}"}`, 'In the onboarding payload, S3KmsKeyArn must be a key ARN in quotes, like "arn:…".'],
  ["null instead of an ARN", `{"S3KmsKeyArn":"${GOOD}","RdsKmsKeyArn":null}`, 'In the onboarding payload, RdsKmsKeyArn must be a key ARN in quotes, like "arn:…".'],
  ["far too long", `{"S3KmsKeyArn":"${"x".repeat(5000)}"}`, "This is much longer than the onboarding payload. Paste only the output of the describe-stacks command."],
];

describe("onboarding payload", () => {
  it.each(badPayloads)("rejects %s with its own message", (_name, input, message) => {
    expect(parseOnboardingPayload(input)).toEqual({ ok: false, message });
    expect(onboardingPayloadSchema.safeParse(input).error?.issues.map((issue) => issue.message)).toEqual([message]);
  });

  const payloadObject = { S3KmsKeyArn: GOOD, RdsKmsKeyArn: OTHER };
  const compact = JSON.stringify(payloadObject);
  it.each([
    ["as describe-stacks --output text prints it", `${compact}\n`],
    ["pretty-printed", JSON.stringify(payloadObject, null, 2)],
    ["padded and wrapped in double quotes", `  "${compact}"  `],
    ["wrapped in single quotes", `'${compact}'`],
    ["as a JSON string", JSON.stringify(compact)],
    ["as describe-stacks --output json prints it", JSON.stringify([compact], null, 4)],
  ])("reads the payload %s", (_name, input) => {
    expect(parseOnboardingPayload(input)).toEqual({ ok: true, s3KeyArn: GOOD, rdsKeyArn: OTHER });
  });

  it("checks both ARNs of a payload for the environment", () => {
    const schema = keyArnsFromPayloadSchema(ctx);
    expect(schema.parse(compact)).toEqual({ s3KeyArn: GOOD, rdsKeyArn: OTHER });
    const wrongRegion = JSON.stringify({ S3KmsKeyArn: GOOD.replace("eu-west-1", "us-east-1"), RdsKmsKeyArn: OTHER });
    expect(schema.safeParse(wrongRegion).error?.issues.map(({ path }) => path)).toEqual([["s3KeyArn"]]);
    const sameKey = JSON.stringify({ S3KmsKeyArn: GOOD, RdsKmsKeyArn: GOOD });
    expect(schema.safeParse(sameKey).error?.issues.map(({ path }) => path)).toEqual([["rdsKeyArn"]]);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const hex = (length: number) => fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: length, maxLength: length });
const uuidKeyId = fc.uuid({ version: [1, 2, 3, 4, 5, 6, 7, 8] });
const mrkKeyId = hex(32).map((digits) => `mrk-${digits}`);
const customerAccount = fc
  .string({ unit: fc.constantFrom(..."0123456789"), minLength: 12, maxLength: 12 })
  .filter((account) => account !== ctx.platformAccountId);
const validKey = fc.record({ accountId: customerAccount, keyId: fc.oneof(uuidKeyId, mrkKeyId) });
const padding = fc.string({ unit: fc.constantFrom(" ", "\t", "\n", "\r", "\u00A0", "\u2003"), maxLength: 4 });

/** Valid ARNs with one character inserted, replaced or removed: the near misses. */
const nearMiss = fc
  .tuple(validKey, fc.nat(), fc.string({ unit: "binary", minLength: 0, maxLength: 2 }), fc.constantFrom("insert", "replace", "remove"))
  .map(([key, at, text, how]) => {
    const arn = formatKeyArn({ partition: "aws", region: "eu-west-1", ...key });
    const index = at % (arn.length + 1);
    if (how === "insert") return arn.slice(0, index) + text + arn.slice(index);
    if (how === "replace") return arn.slice(0, index) + text + arn.slice(index + 1);
    return arn.slice(0, index) + arn.slice(index + 1);
  });

const anyInput = fc.oneof(fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" }), nearMiss, fc.constantFrom(GOOD, GOOD_MRK));

describe("key ARN checks: properties", () => {
  it("never throw, and either accept or give a non-empty message", () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const check = checkKeyArn(input, ctx);
        if (!check.ok) expect(check.message.length).toBeGreaterThan(20);
        const parsed = keyArnSchema(ctx).safeParse(input);
        expect(parsed.success).toBe(check.ok);
        expect(() => parseKeyArn(input)).not.toThrow();
        expect(() => parseOnboardingPayload(input)).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });

  it("accept every well-formed key ARN of the environment, padded or not, and hand back exactly the ARN", () => {
    fc.assert(
      fc.property(validKey, padding, padding, (key, before, after) => {
        const arn = formatKeyArn({ partition: "aws", region: "eu-west-1", ...key });
        const check = checkKeyArn(`${before}${arn}${after}`, ctx);
        expect(check.ok && check.arn).toBe(arn);
        expect(parseKeyArn(arn)).toEqual({
          partition: "aws",
          service: "kms",
          region: "eu-west-1",
          accountId: key.accountId,
          resourceType: "key",
          keyId: key.keyId,
          multiRegion: key.keyId.startsWith("mrk-"),
        });
      }),
      { numRuns: 500 },
    );
  });

  it("round-trip every accepted input: parse, format and check again give the same ARN", () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const check = checkKeyArn(input, ctx);
        if (!check.ok) return;
        expect(check.arn).toBe(input.trim());
        expect(check.arn).toMatch(/^[a-z0-9:\/-]+$/);
        const parsed = parseKeyArn(check.arn);
        expect(parsed).not.toBeNull();
        if (parsed !== null) expect(formatKeyArn(parsed)).toBe(check.arn);
        expect(checkKeyArn(check.arn, ctx)).toEqual(check);
      }),
      { numRuns: 2000 },
    );
  });

  it("payload parsing never throws and only ever returns text for both keys", () => {
    const payloadLike = fc.oneof(
      fc.json(),
      fc.record({ S3KmsKeyArn: fc.oneof(fc.string(), fc.constant(GOOD)), RdsKmsKeyArn: fc.oneof(fc.string(), fc.integer()) }).map((value) => JSON.stringify(value)),
      fc.string({ unit: "binary" }),
    );
    fc.assert(
      fc.property(payloadLike, (text) => {
        const result = parseOnboardingPayload(text);
        if (result.ok) {
          expect(typeof result.s3KeyArn).toBe("string");
          expect(typeof result.rdsKeyArn).toBe("string");
        } else {
          expect(result.message.length).toBeGreaterThan(20);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
