import { z } from "zod";
import {
  accountIdPattern,
  keyArnPattern,
  multiRegionKeyIdPattern,
  partitionPattern,
  regionPattern,
  requireAccountId,
  requirePartition,
  requireRegion,
  uuidKeyIdPattern,
} from "./values";

/**
 * Checks of the key ARNs a customer pastes into the wizard. One set of schemas serves the
 * browser form (through zodResolver) and the server action, which parses the raw input again.
 */

export interface KeyArnContext {
  partition: string;
  region: string;
  platformAccountId: string;
}

/** What can be wrong with a pasted key ARN; each has its own message. */
export type KeyArnProblem =
  | "empty"
  | "too-long"
  | "stray-character"
  | "quoted"
  | "alias-arn"
  | "alias-name"
  | "bare-key-id"
  | "not-an-arn"
  | "incomplete-arn"
  | "other-service"
  | "unknown-partition"
  | "wrong-partition"
  | "malformed-region"
  | "wrong-region"
  | "malformed-account"
  | "platform-account"
  | "not-a-key"
  | "malformed-key-id"
  | "upper-case";

export type KeyArnCheck =
  | { ok: true; arn: string; key: ParsedKeyArn }
  | { ok: false; problem: KeyArnProblem; message: string };

export interface ParsedKeyArn {
  partition: string;
  service: "kms";
  region: string;
  accountId: string;
  resourceType: "key";
  keyId: string;
  multiRegion: boolean;
}

/** A key ARN never needs more; anything longer is not worth echoing or parsing. */
const MAX_INPUT_LENGTH = 256;
const EXAMPLE_ACCOUNT_ID = "111122223333";
const EXAMPLE_KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";

/**
 * Splits a well-formed, lower-case KMS key ARN into its parts, e.g. to show account and Region
 * apart. Returns null for anything else (alias ARNs, other services, malformed ARNs).
 */
export function parseKeyArn(arn: string): ParsedKeyArn | null {
  const match = keyArnPattern.exec(arn);
  if (match === null) return null;
  const [, partition, region, accountId, keyId] = match;
  if (partition === undefined || region === undefined || accountId === undefined || keyId === undefined) return null;
  return {
    partition,
    service: "kms",
    region,
    accountId,
    resourceType: "key",
    keyId,
    multiRegion: keyId.startsWith("mrk-"),
  };
}

export function formatKeyArn(key: Omit<ParsedKeyArn, "multiRegion" | "service" | "resourceType">): string {
  return `arn:${key.partition}:kms:${key.region}:${key.accountId}:key/${key.keyId}`;
}

function exampleKeyArn(ctx: KeyArnContext): string {
  return `arn:${ctx.partition}:kms:${ctx.region}:${EXAMPLE_ACCOUNT_ID}:key/${EXAMPLE_KEY_ID}`;
}

const partitionNames: Record<string, string> = {
  aws: "the standard AWS partition (aws)",
  "aws-cn": "AWS China (aws-cn)",
  "aws-us-gov": "AWS GovCloud (US) (aws-us-gov)",
};

const partitionName = (partition: string) => partitionNames[partition] ?? `the ${partition} partition`;

/** Echo a piece of the user's input only when it is short and plainly printable. */
function echo(segment: string): string | undefined {
  return segment.length > 0 && segment.length <= 48 && /^[A-Za-z0-9._\/-]+$/.test(segment) ? segment : undefined;
}

const zeroWidth = new Set([0x200b, 0x200c, 0x200d, 0x2060, 0xfeff, 0x00ad]);
const curlyQuotes = new Set([0x2018, 0x2019, 0x201a, 0x201b, 0x201c, 0x201d, 0x201e, 0x201f, 0x00ab, 0x00bb, 0x2039, 0x203a]);

function describeCharacter(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  if (zeroWidth.has(code)) return `an invisible character (${hex})`;
  if (curlyQuotes.has(code)) return `a curly quotation mark (${char})`;
  if (char === "\n" || char === "\r") return "a line break";
  if (char === "\t") return "a tab";
  if (char === " " || /\s/u.test(char)) return `a space`;
  if (code < 0x20 || (code >= 0x7f && code < 0xa0)) return `an invisible control character (${hex})`;
  if (/\p{L}|\p{N}|\p{P}|\p{S}/u.test(char)) return `the character ${char} (${hex})`;
  return `an invisible character (${hex})`;
}

function fail(problem: KeyArnProblem, message: string): KeyArnCheck {
  return { ok: false, problem, message };
}

function describeOtherService(service: string, resource: string): string {
  if (service === "iam") {
    if (resource.startsWith("role/")) return "an IAM role";
    if (resource.startsWith("user/")) return "an IAM user";
    return "an IAM resource";
  }
  if (service === "sts") return "an IAM role session";
  if (service === "s3") return "an S3 bucket or object";
  if (service === "rds") return "an RDS database resource";
  if (service === "secretsmanager") return "a Secrets Manager secret";
  if (service === "acm") return "a certificate";
  const name = echo(service);
  return name === undefined ? "a resource of another AWS service" : `a resource of the AWS service "${name}"`;
}

/**
 * Checks one pasted key ARN for the given environment. Never throws: every input gives either
 * the trimmed ARN or one specific message that says what is wrong and how to fix it.
 */
export function checkKeyArn(input: unknown, ctx: KeyArnContext): KeyArnCheck {
  const example = exampleKeyArn(ctx);
  if (typeof input !== "string") return fail("empty", `Enter the ARN of your KMS key, for example ${example}.`);
  const value = input.trim();
  if (value === "") return fail("empty", `Enter the ARN of your KMS key, for example ${example}.`);
  if (value.length > MAX_INPUT_LENGTH) {
    return fail("too-long", `This is much longer than a key ARN. Paste only the ARN of the key, for example ${example}.`);
  }

  const quote = value[0];
  if (value.length >= 2 && (quote === '"' || quote === "'" || quote === "`") && value.endsWith(quote)) {
    return fail("quoted", "Remove the quotation marks around the ARN and paste only the ARN itself, starting with arn:.");
  }

  // Invisible and typographic characters sneak in when an ARN is copied out of a document or chat.
  let position = 0;
  for (const char of value) {
    position += 1;
    const code = char.codePointAt(0) ?? 0;
    if (code <= 0x20 || code >= 0x7f) {
      return fail(
        "stray-character",
        `The ARN contains ${describeCharacter(char)} at position ${position}, which cannot be part of a key ARN. ` +
          "This often happens when copying from a document, chat or web page: copy the ARN again from the AWS console or the AWS CLI output, or type it in.",
      );
    }
  }

  const lower = value.toLowerCase();
  if (lower.startsWith("alias/")) {
    return fail(
      "alias-name",
      "This is an alias name, not a key ARN. An alias can be pointed at a different key at any time, which would silently change the key that encrypts your data. " +
        `Paste the ARN of the key itself, for example ${example}; aws kms describe-key --key-id <alias name> prints it.`,
    );
  }
  const bareKeyId = lower.startsWith("key/") ? lower.slice(4) : lower;
  if (uuidKeyIdPattern.test(bareKeyId) || multiRegionKeyIdPattern.test(bareKeyId)) {
    return fail(
      "bare-key-id",
      `This is only a key ID. Paste the full key ARN, which also names the Region and the account: arn:${ctx.partition}:kms:${ctx.region}:<your account ID>:key/${bareKeyId}.`,
    );
  }
  if (!lower.startsWith("arn:")) {
    return fail("not-an-arn", `This is not a key ARN. A key ARN starts with arn:${ctx.partition}:kms: and looks like ${example}.`);
  }

  const parts = value.split(":");
  const [, partitionPart = "", servicePart = "", regionPart = "", accountPart = ""] = parts;
  const resourcePart = parts.slice(5).join(":");
  const partition = partitionPart.toLowerCase();
  const service = servicePart.toLowerCase();

  if (parts.length < 6) {
    if (service !== "" && service !== "kms" && /^[a-z0-9-]+$/.test(service)) {
      return fail(
        "other-service",
        `This is the ARN of ${describeOtherService(service, resourcePart.toLowerCase())}, not of a KMS key. Paste the ARN of the KMS key you created for this environment; it starts with arn:${ctx.partition}:kms:.`,
      );
    }
    return fail(
      "incomplete-arn",
      `This ARN is incomplete. A key ARN has six parts separated by colons, arn:${ctx.partition}:kms:<Region>:<account ID>:key/<key ID>, for example ${example}.`,
    );
  }
  if (!partitionPattern.test(partition)) {
    const shown = echo(partitionPart);
    return fail(
      "unknown-partition",
      `${shown === undefined ? "The second part of the ARN" : `"${shown}"`} is not an AWS partition. A key ARN for this environment starts with arn:${ctx.partition}:kms:.`,
    );
  }
  if (partition !== ctx.partition) {
    return fail(
      "wrong-partition",
      `This key is in ${partitionName(partition)}, but this environment runs in ${partitionName(ctx.partition)}, and keys cannot be used across partitions. Create the key in ${ctx.region}, in ${partitionName(ctx.partition)}, and paste its ARN.`,
    );
  }
  if (service !== "kms") {
    return fail(
      "other-service",
      `This is the ARN of ${describeOtherService(service, resourcePart.toLowerCase())}, not of a KMS key. Paste the ARN of the KMS key you created for this environment; it starts with arn:${ctx.partition}:kms:.`,
    );
  }
  const resourceLower = resourcePart.toLowerCase();
  if (resourceLower.startsWith("alias/")) {
    return fail(
      "alias-arn",
      "This is the ARN of an alias, not of a key. An alias can be pointed at a different key at any time, which would silently change the key that encrypts your data. " +
        "Paste the key's own ARN, which contains :key/ instead of :alias/; the AWS console shows it on the key's page.",
    );
  }
  if (!regionPattern.test(regionPart.toLowerCase())) {
    const shown = echo(regionPart);
    return fail(
      "malformed-region",
      regionPart === ""
        ? `The ARN has no Region. The key must be in ${ctx.region}, the Region of this environment: arn:${ctx.partition}:kms:${ctx.region}:…`
        : `The Region part of the ARN${shown === undefined ? "" : `, "${shown}",`} is not an AWS Region code. The key must be in ${ctx.region}, the Region of this environment.`,
    );
  }
  if (!accountIdPattern.test(accountPart)) {
    const shown = echo(accountPart);
    return fail(
      "malformed-account",
      accountPart === ""
        ? `The ARN has no account ID. It belongs between the Region and key/, for example ${example}.`
        : `The account part of the ARN${shown === undefined ? "" : `, "${shown}",`} is not an AWS account ID. An account ID is exactly 12 digits, for example ${EXAMPLE_ACCOUNT_ID}.`,
    );
  }
  const slash = resourceLower.indexOf("/");
  const resourceType = slash === -1 ? "" : resourceLower.slice(0, slash);
  if (resourceType !== "key") {
    const shown = echo(resourceType);
    return fail(
      "not-a-key",
      `This ARN ${shown === undefined ? "does not name a KMS key" : `names a KMS ${shown}, not a key`}. A key ARN ends with key/ followed by the key ID, for example ${example}.`,
    );
  }
  const keyIdPart = resourcePart.slice(slash + 1);
  const keyId = keyIdPart.toLowerCase();
  if (!uuidKeyIdPattern.test(keyId) && !multiRegionKeyIdPattern.test(keyId)) {
    const shown = echo(keyIdPart);
    return fail(
      "malformed-key-id",
      `The key ID${shown === undefined ? "" : ` "${shown}"`} is not a valid KMS key ID. A key ID is either a UUID such as ${EXAMPLE_KEY_ID} or, for a multi-region key, mrk- followed by 32 hexadecimal characters.`,
    );
  }
  // S3 SSE-KMS and Aurora storage encryption only accept a key in the resource's own Region.
  const region = regionPart.toLowerCase();
  if (region !== ctx.region) {
    return fail(
      "wrong-region",
      keyId.startsWith("mrk-")
        ? `This multi-region key ARN points to the copy of the key in ${region}, but this environment runs in ${ctx.region}. S3 and Aurora can only use a key in their own Region. ` +
            `Paste the ARN of the key's replica in ${ctx.region} (same key ID, with ${ctx.region} in the ARN); if there is no replica there yet, create one with aws kms replicate-key.`
        : `This key is in ${region}, but this environment runs in ${ctx.region}. S3 and Aurora can only use a key in their own Region. ` +
            `Create the key in ${ctx.region} and paste its ARN. If you use a multi-region key, paste the ARN of its replica in ${ctx.region}.`,
    );
  }
  if (accountPart === ctx.platformAccountId) {
    return fail(
      "platform-account",
      `This key is in the platform's own AWS account (${ctx.platformAccountId}), not in yours. With BYOK you hold the key: create it in your own AWS account and paste that key's ARN.`,
    );
  }
  if (value !== lower) {
    return fail(
      "upper-case",
      "Key ARNs are written entirely in lower case, but this one contains capital letters, so it was probably changed on the way (for example by a spreadsheet or word processor). Copy the ARN again from the AWS console or the AWS CLI output.",
    );
  }
  const key = parseKeyArn(value);
  if (key === null) {
    return fail("not-an-arn", `This is not a key ARN. A key ARN starts with arn:${ctx.partition}:kms: and looks like ${example}.`);
  }
  return { ok: true, arn: value, key };
}

function requireKeyArnContext(ctx: KeyArnContext): KeyArnContext {
  return {
    partition: requirePartition(ctx.partition),
    region: requireRegion(ctx.region),
    platformAccountId: requireAccountId(ctx.platformAccountId, "platform account id"),
  };
}

/** One key ARN for the given environment: string in, trimmed ARN out. */
export function keyArnSchema(ctx: KeyArnContext) {
  const context = requireKeyArnContext(ctx);
  return z
    .string({ error: `Enter the ARN of your KMS key, for example ${exampleKeyArn(context)}.` })
    .transform((value, refinement) => {
      const check = checkKeyArn(value, context);
      if (!check.ok) {
        refinement.addIssue({ code: "custom", message: check.message, params: { problem: check.problem } });
        return z.NEVER;
      }
      return check.arn;
    });
}

export const SAME_KEY_MESSAGE =
  "This is the same key as the S3 key. Use two separate keys, one for object storage (S3) and one for the database (Aurora), so that each can be managed and, if needed, revoked on its own.";

/** The S3 key ARN and the RDS key ARN of one environment, which must be two different keys. */
export function keyArnsSchema(ctx: KeyArnContext) {
  const keyArn = keyArnSchema(ctx);
  return z.object({ s3KeyArn: keyArn, rdsKeyArn: keyArn }).superRefine((keys, refinement) => {
    if (keys.s3KeyArn === keys.rdsKeyArn) {
      refinement.addIssue({ code: "custom", path: ["rdsKeyArn"], message: SAME_KEY_MESSAGE, params: { problem: "same-key" } });
    }
  });
}

export type KeyArnsInput = z.infer<ReturnType<typeof keyArnsSchema>>;

// ---------------------------------------------------------------------------------------------
// The onboarding payload: the template's OnboardingPayload output, as describe-stacks prints it.

const PAYLOAD_SHAPE = '{"S3KmsKeyArn":"arn:…","RdsKmsKeyArn":"arn:…"}';
const MAX_PAYLOAD_LENGTH = 4096;

export type OnboardingPayloadResult = { ok: true; s3KeyArn: string; rdsKeyArn: string } | { ok: false; message: string };

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Reads the onboarding payload as a customer pastes it: the JSON object itself, or that object
 * as `describe-stacks --output text` or `--output json` prints it (quoted, in a list, padded).
 * Only the shape is checked here; the two ARNs then go through the key ARN checks.
 */
export function parseOnboardingPayload(text: string): OnboardingPayloadResult {
  const read = readPayloadFields(text, ["S3KmsKeyArn", "RdsKmsKeyArn"], {
    shape: PAYLOAD_SHAPE,
    singleArnHint: "Paste it into the S3 key ARN or RDS key ARN field",
    valueNoun: "a key ARN",
  });
  if (!read.ok) return read;
  return { ok: true, s3KeyArn: read.fields.S3KmsKeyArn, rdsKeyArn: read.fields.RdsKmsKeyArn };
}

/**
 * Reads a template's OnboardingPayload output as a customer pastes it: the JSON object itself,
 * or that object as `describe-stacks --output text` or `--output json` prints it (quoted, in a
 * list, padded). Only the shape is checked; the values then go through their own checks.
 */
export function readPayloadFields<F extends string>(
  text: string,
  fields: readonly [F, ...F[]],
  describe: { shape: string; singleArnHint: string; valueNoun: string },
): { ok: true; fields: Record<F, string> } | { ok: false; message: string } {
  const shape = describe.shape;
  const names = fields.length === 2 ? `${fields[0]} and ${fields[1]}` : fields.join(", ");
  if (typeof text !== "string" || text.trim() === "") {
    return { ok: false, message: `Paste the onboarding payload, the output of the describe-stacks command. It looks like ${shape}.` };
  }
  const trimmed = text.trim();
  if (trimmed.length > MAX_PAYLOAD_LENGTH) {
    return { ok: false, message: "This is much longer than the onboarding payload. Paste only the output of the describe-stacks command." };
  }
  if (trimmed === "None" || trimmed === "[]") {
    return {
      ok: false,
      message:
        "The describe-stacks command found no OnboardingPayload output. Wait until the stack has reached CREATE_COMPLETE or UPDATE_COMPLETE, check the stack name and Region, and run the command again.",
    };
  }
  if (/^arn:/i.test(trimmed)) {
    return {
      ok: false,
      message: `This is a single ARN, not the onboarding payload. ${describe.singleArnHint}, or paste the whole output of the describe-stacks command here.`,
    };
  }
  if (/[\u2018\u2019\u201c\u201d]/.test(trimmed)) {
    return {
      ok: false,
      message:
        "The onboarding payload contains curly quotation marks (“ ”), which an editor or chat app put in place of straight quotes, so it is no longer valid JSON. Copy it again directly from your terminal.",
    };
  }

  let value: unknown = trimmed;
  // At most a few layers: a JSON string holding the object, a one-element list, outer quotes.
  for (let layer = 0; layer < 5 && !isRecord(value); layer += 1) {
    if (typeof value === "string") {
      const candidate = value.trim();
      const parsed = parseJson(candidate);
      if (parsed.ok) {
        value = parsed.value;
        continue;
      }
      const first = candidate[0];
      if (candidate.length >= 2 && (first === '"' || first === "'") && candidate.endsWith(first)) {
        value = candidate.slice(1, -1);
        continue;
      }
      return {
        ok: false,
        message: `The onboarding payload is not valid JSON. Paste the complete output of the describe-stacks command: one line that starts with { and ends with }, like ${shape}.`,
      };
    }
    if (Array.isArray(value) && value.length === 1) {
      value = value[0];
      continue;
    }
    break;
  }

  const record = value;
  if (!isRecord(record) || !fields.some((field) => field in record)) {
    return {
      ok: false,
      message: `The onboarding payload must be a JSON object with the fields ${names}, like ${shape}. Paste the output of the describe-stacks command unchanged.`,
    };
  }
  const found = {} as Record<F, string>;
  for (const field of fields) {
    if (!(field in record)) {
      return {
        ok: false,
        message: `The onboarding payload has no ${field} field. Paste the complete output of the describe-stacks command, which holds both ${names}.`,
      };
    }
    const fieldValue = record[field];
    if (typeof fieldValue !== "string") {
      return { ok: false, message: `In the onboarding payload, ${field} must be ${describe.valueNoun} in quotes, like "arn:…".` };
    }
    found[field] = fieldValue.trim();
  }
  return { ok: true, fields: found };
}

/** The payload text → `{ s3KeyArn, rdsKeyArn }` as found in it (not yet checked as key ARNs). */
export const onboardingPayloadSchema = z
  .string({ error: `Paste the onboarding payload, the output of the describe-stacks command. It looks like ${PAYLOAD_SHAPE}.` })
  .transform((text, refinement) => {
    const result = parseOnboardingPayload(text);
    if (!result.ok) {
      refinement.addIssue({ code: "custom", message: result.message });
      return z.NEVER;
    }
    return { s3KeyArn: result.s3KeyArn, rdsKeyArn: result.rdsKeyArn };
  });

/** The payload text, fully checked: both ARNs valid for this environment and different. */
export function keyArnsFromPayloadSchema(ctx: KeyArnContext) {
  return onboardingPayloadSchema.pipe(keyArnsSchema(ctx));
}
