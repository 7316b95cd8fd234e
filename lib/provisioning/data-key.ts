import "server-only";
import { DecryptCommand, GenerateDataKeyCommand } from "@aws-sdk/client-kms";
import { TENANT_CONTEXT_KEY } from "@/lib/byok/role-mode";
import { StepFailure, type StepContext } from "./context";
import { provisioningDb } from "./db";

/**
 * Role mode's envelope encryption (F8): the environment's data key is made under the customer's
 * key, through the customer's role, and stored only wrapped (the KMS ciphertext blob, on the
 * environment row). Its plaintext exists in memory while a step uses it and is zeroed after; to
 * use it again the platform asks the customer's key to unwrap it, so revoking the role or the
 * key makes the environment's data unreadable.
 */

/** The encryption context of the data key: KMS binds it to the ciphertext, CloudTrail shows it. */
export function dataKeyContext(environment: { organizationSlug: string; id: string }): Record<string, string> {
  return { [TENANT_CONTEXT_KEY]: environment.organizationSlug, environment: environment.id, purpose: "environment-data-key" };
}

/** Runs `use` with the environment's plaintext data key (32 bytes), making the key on first use. */
export async function withEnvironmentDataKey<T>(ctx: StepContext, use: (plaintext: Buffer) => Promise<T>): Promise<T> {
  const keyArn = ctx.customerKeyArn("s3");
  if (!keyArn) throw new Error(`Environment ${ctx.environment.id} has no customer key to wrap its data key with.`);
  const plaintext = await unwrapOrMake(ctx, keyArn);
  try {
    return await use(plaintext);
  } finally {
    plaintext.fill(0);
  }
}

async function storedWrappedKey(environmentId: string): Promise<Uint8Array | null> {
  const row = await provisioningDb().environment.findUnique({ where: { id: environmentId }, select: { wrappedDataKey: true } });
  return row?.wrappedDataKey ?? null;
}

async function unwrapOrMake(ctx: StepContext, keyArn: string): Promise<Buffer> {
  const context = dataKeyContext(ctx.environment);
  const kms = ctx.roleKms();
  const spec = { service: "kms" as const, resource: keyArn, keyArn, encryptionContext: context };
  const stored = await storedWrappedKey(ctx.environment.id);
  if (stored) {
    const opened = await ctx.call({ ...spec, operation: "Decrypt" }, () => kms.send(new DecryptCommand({ CiphertextBlob: stored, KeyId: keyArn, EncryptionContext: context })));
    if (!opened.Plaintext || opened.Plaintext.length !== 32) throw new StepFailure("DataKeyUnreadable", "AWS KMS gave back no usable data key for this environment.", "kms", false, opened.$metadata.requestId ?? null);
    return Buffer.from(opened.Plaintext);
  }
  const made = await ctx.call({ ...spec, operation: "GenerateDataKey" }, () => kms.send(new GenerateDataKeyCommand({ KeyId: keyArn, KeySpec: "AES_256", EncryptionContext: context })));
  if (!made.Plaintext || made.Plaintext.length !== 32 || !made.CiphertextBlob) {
    throw new StepFailure("DataKeyUnreadable", "AWS KMS made no usable data key for this environment.", "kms", false, made.$metadata.requestId ?? null);
  }
  const plaintext = Buffer.from(made.Plaintext);
  made.Plaintext.fill(0);
  // Written once: the environment's lock serializes its runs, and the condition keeps a key
  // another run stored (the trigger refuses changing it anyway).
  const written = await provisioningDb().environment.updateMany({ where: { id: ctx.environment.id, wrappedDataKey: null }, data: { wrappedDataKey: Buffer.from(made.CiphertextBlob) } });
  if (written.count === 1) return plaintext;
  plaintext.fill(0);
  return unwrapOrMake(ctx, keyArn);
}
