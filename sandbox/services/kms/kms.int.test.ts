/** KMS through the real @aws-sdk/client-kms: every operation, happy path and the errors the portal meets. */
import {
  CancelKeyDeletionCommand, CreateAliasCommand, CreateGrantCommand, CreateKeyCommand, DecryptCommand, DeleteAliasCommand,
  DescribeKeyCommand, DisableKeyCommand, DisableKeyRotationCommand, EnableKeyCommand, EnableKeyRotationCommand, EncryptCommand,
  GenerateDataKeyCommand, GenerateDataKeyWithoutPlaintextCommand, GetKeyPolicyCommand, GetKeyRotationStatusCommand, ListAliasesCommand,
  ListGrantsCommand, ListKeysCommand, ListResourceTagsCommand, PutKeyPolicyCommand, ReEncryptCommand, ReplicateKeyCommand,
  RetireGrantCommand, RevokeGrantCommand, ScheduleKeyDeletionCommand, TagResourceCommand, UntagResourceCommand, UpdateAliasCommand,
} from "@aws-sdk/client-kms";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { RunningSandbox } from "../../server";
import { type ClientSet, awsError, clientsFor, platformSession, startTestSandbox } from "../../test-support";

let sandbox: RunningSandbox;
let customer: ClientSet;
let other: ClientSet;
let platform: ClientSet;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  customer = clientsFor(sandbox.url, "customer");
  other = clientsFor(sandbox.url, "other-customer");
  platform = await platformSession(sandbox.url, "0f3c6b2e-8d1a-4c5e-9b7f-2a6d8e4c1f90");
});
afterAll(async () => sandbox.close());
beforeEach(() => sandbox.reset());

async function newKey(policy?: string, multiRegion = false): Promise<{ id: string; arn: string }> {
  const out = await customer.kms.send(new CreateKeyCommand({ Description: "test", Policy: policy, MultiRegion: multiRegion, Tags: [{ TagKey: "env", TagValue: "test" }] }));
  return { id: out.KeyMetadata?.KeyId ?? "", arn: out.KeyMetadata?.Arn ?? "" };
}

describe("keys", () => {
  test("CreateKey, DescribeKey by id, ARN, alias name and alias ARN; ListKeys", async () => {
    const key = await newKey();
    expect(key.arn).toBe(`arn:aws:kms:us-east-1:123456789012:key/${key.id}`);
    await customer.kms.send(new CreateAliasCommand({ AliasName: "alias/app", TargetKeyId: key.id }));
    for (const keyId of [key.id, key.arn, "alias/app", "arn:aws:kms:us-east-1:123456789012:alias/app"]) {
      const d = await customer.kms.send(new DescribeKeyCommand({ KeyId: keyId }));
      expect(d.KeyMetadata).toMatchObject({ KeyId: key.id, KeyState: "Enabled", KeySpec: "SYMMETRIC_DEFAULT", KeyManager: "CUSTOMER", Enabled: true });
      expect(d.KeyMetadata?.CreationDate).toBeInstanceOf(Date);
    }
    const list = await customer.kms.send(new ListKeysCommand({}));
    expect(list.Keys?.map((k) => k.KeyArn)).toEqual([key.arn]);
  });

  test("a key is found only in its own region and account", async () => {
    const key = await newKey();
    const west = clientsFor(sandbox.url, "customer", "eu-west-1");
    expect((await awsError(() => west.kms.send(new DescribeKeyCommand({ KeyId: key.id })))).name).toBe("NotFoundException");
    expect((await awsError(() => west.kms.send(new DescribeKeyCommand({ KeyId: key.arn })))).name).toBe("NotFoundException");
    // Another account naming the key by id looks in its own account.
    expect((await awsError(() => other.kms.send(new DescribeKeyCommand({ KeyId: key.id })))).name).toBe("NotFoundException");
    // By ARN it finds the key, and the default policy (account root only) refuses it.
    const denied = await awsError(() => other.kms.send(new DescribeKeyCommand({ KeyId: key.arn })));
    expect(denied.name).toBe("AccessDeniedException");
    expect(denied.message).toBe(
      `User: arn:aws:iam::444455556666:user/customer-admin is not authorized to perform: kms:DescribeKey on resource: ${key.arn} because no resource-based policy allows the kms:DescribeKey action`,
    );
  });

  test("multi-Region keys replicate; the replica decrypts what the primary encrypted", async () => {
    const key = await newKey(undefined, true);
    expect(key.id).toMatch(/^mrk-[0-9a-f]{32}$/);
    const rep = await customer.kms.send(new ReplicateKeyCommand({ KeyId: key.arn, ReplicaRegion: "eu-west-1" }));
    expect(rep.ReplicaKeyMetadata?.Arn).toBe(`arn:aws:kms:eu-west-1:123456789012:key/${key.id}`);
    expect(rep.ReplicaKeyMetadata?.MultiRegionConfiguration?.MultiRegionKeyType).toBe("REPLICA");
    const enc = await customer.kms.send(new EncryptCommand({ KeyId: key.arn, Plaintext: Buffer.from("secret") }));
    const west = clientsFor(sandbox.url, "customer", "eu-west-1");
    const dec = await west.kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
    expect(Buffer.from(dec.Plaintext ?? []).toString()).toBe("secret");
    expect(dec.KeyId).toBe(rep.ReplicaKeyMetadata?.Arn);
    expect((await awsError(() => customer.kms.send(new ReplicateKeyCommand({ KeyId: key.arn, ReplicaRegion: "eu-west-1" })))).name).toBe("AlreadyExistsException");
    const single = await newKey();
    expect((await awsError(() => customer.kms.send(new ReplicateKeyCommand({ KeyId: single.arn, ReplicaRegion: "eu-west-1" })))).name).toBe("UnsupportedOperationException");
  });

  test("aliases: create, update, delete, list; reserved and duplicate names refused", async () => {
    const a = await newKey();
    const b = await newKey();
    await customer.kms.send(new CreateAliasCommand({ AliasName: "alias/data", TargetKeyId: a.arn }));
    expect((await awsError(() => customer.kms.send(new CreateAliasCommand({ AliasName: "alias/data", TargetKeyId: b.id })))).name).toBe("AlreadyExistsException");
    expect((await awsError(() => customer.kms.send(new CreateAliasCommand({ AliasName: "alias/aws/mine", TargetKeyId: b.id })))).name).toBe("NotAuthorizedException");
    expect((await awsError(() => customer.kms.send(new CreateAliasCommand({ AliasName: "data", TargetKeyId: b.id })))).name).toBe("ValidationException");
    await customer.kms.send(new UpdateAliasCommand({ AliasName: "alias/data", TargetKeyId: b.id }));
    const listed = await customer.kms.send(new ListAliasesCommand({ KeyId: b.id }));
    expect(listed.Aliases?.map((x) => x.AliasName)).toEqual(["alias/data"]);
    await customer.kms.send(new DeleteAliasCommand({ AliasName: "alias/data" }));
    expect((await awsError(() => customer.kms.send(new DescribeKeyCommand({ KeyId: "alias/data" })))).message).toBe("Alias arn:aws:kms:us-east-1:123456789012:alias/data is not found.");
  });

  test("key policies: get, put, and the lockout safety check", async () => {
    const key = await newKey();
    const got = await customer.kms.send(new GetKeyPolicyCommand({ KeyId: key.id, PolicyName: "default" }));
    expect(JSON.parse(got.Policy ?? "{}").Statement[0].Principal.AWS).toBe("arn:aws:iam::123456789012:root");
    const lockout = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::444455556666:root" }, Action: "kms:*", Resource: "*" }] });
    const refused = await awsError(() => customer.kms.send(new PutKeyPolicyCommand({ KeyId: key.id, PolicyName: "default", Policy: lockout })));
    expect(refused).toMatchObject({ name: "MalformedPolicyDocumentException", message: "The new key policy will not allow you to update the key policy in the future." });
    await customer.kms.send(new PutKeyPolicyCommand({ KeyId: key.id, PolicyName: "default", Policy: lockout, BypassPolicyLockoutSafetyCheck: true }));
    expect((await awsError(() => customer.kms.send(new GetKeyPolicyCommand({ KeyId: key.id })))).name).toBe("AccessDeniedException");
    expect((await awsError(() => customer.kms.send(new CreateKeyCommand({ Policy: "{not json" })))).name).toBe("MalformedPolicyDocumentException");
  });

  test("enable, disable, schedule and cancel deletion, with state errors", async () => {
    const key = await newKey();
    await customer.kms.send(new DisableKeyCommand({ KeyId: key.id }));
    const disabled = await awsError(() => customer.kms.send(new GenerateDataKeyCommand({ KeyId: key.id, KeySpec: "AES_256" })));
    expect(disabled).toMatchObject({ name: "DisabledException", message: `${key.arn} is disabled.` });
    await customer.kms.send(new EnableKeyCommand({ KeyId: key.id }));
    expect((await awsError(() => customer.kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.id, PendingWindowInDays: 5 })))).name).toBe("ValidationException");
    const scheduled = await customer.kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.id, PendingWindowInDays: 7 }));
    expect(scheduled.KeyState).toBe("PendingDeletion");
    expect(scheduled.DeletionDate).toBeInstanceOf(Date);
    const pending = await awsError(() => customer.kms.send(new EncryptCommand({ KeyId: key.id, Plaintext: Buffer.from("x") })));
    expect(pending).toMatchObject({ name: "KMSInvalidStateException", message: `${key.arn} is pending deletion.` });
    expect((await awsError(() => customer.kms.send(new EnableKeyCommand({ KeyId: key.id })))).name).toBe("KMSInvalidStateException");
    await customer.kms.send(new CancelKeyDeletionCommand({ KeyId: key.id }));
    expect((await customer.kms.send(new DescribeKeyCommand({ KeyId: key.id }))).KeyMetadata?.KeyState).toBe("Disabled");
    expect((await awsError(() => customer.kms.send(new CancelKeyDeletionCommand({ KeyId: key.id })))).name).toBe("KMSInvalidStateException");
  });

  test("rotation and tags", async () => {
    const key = await newKey();
    expect((await customer.kms.send(new GetKeyRotationStatusCommand({ KeyId: key.id }))).KeyRotationEnabled).toBe(false);
    await customer.kms.send(new EnableKeyRotationCommand({ KeyId: key.id, RotationPeriodInDays: 180 }));
    const on = await customer.kms.send(new GetKeyRotationStatusCommand({ KeyId: key.id }));
    expect(on).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 180 });
    await customer.kms.send(new DisableKeyRotationCommand({ KeyId: key.id }));
    await customer.kms.send(new TagResourceCommand({ KeyId: key.id, Tags: [{ TagKey: "tenant", TagValue: "acme" }] }));
    await customer.kms.send(new UntagResourceCommand({ KeyId: key.id, TagKeys: ["env"] }));
    const tags = await customer.kms.send(new ListResourceTagsCommand({ KeyId: key.id }));
    expect(tags.Tags).toEqual([{ TagKey: "tenant", TagValue: "acme" }]);
  });
});

describe("cryptography", () => {
  test("Encrypt/Decrypt/ReEncrypt bound to the encryption context; data keys", async () => {
    const a = await newKey();
    const b = await newKey();
    const ctx = { purpose: "test" };
    const enc = await customer.kms.send(new EncryptCommand({ KeyId: a.id, Plaintext: Buffer.from("hello"), EncryptionContext: ctx }));
    expect(enc.KeyId).toBe(a.arn);
    const wrongContext = await awsError(() => customer.kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { purpose: "other" } })));
    expect(wrongContext.name).toBe("InvalidCiphertextException");
    expect((await awsError(() => customer.kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ctx, KeyId: b.id })))).name).toBe("IncorrectKeyException");
    const re = await customer.kms.send(new ReEncryptCommand({ CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: ctx, DestinationKeyId: b.arn }));
    expect(re.SourceKeyId).toBe(a.arn);
    const dec = await customer.kms.send(new DecryptCommand({ CiphertextBlob: re.CiphertextBlob }));
    expect(Buffer.from(dec.Plaintext ?? []).toString()).toBe("hello");
    expect(dec.KeyId).toBe(b.arn);
    const dk = await customer.kms.send(new GenerateDataKeyCommand({ KeyId: a.id, NumberOfBytes: 16 }));
    expect(dk.Plaintext?.length).toBe(16);
    const noPlain = await customer.kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: a.id, KeySpec: "AES_256" }));
    expect(noPlain.CiphertextBlob?.length).toBeGreaterThan(32);
    expect((await awsError(() => customer.kms.send(new GenerateDataKeyCommand({ KeyId: a.id })))).name).toBe("ValidationException");
    expect((await awsError(() => customer.kms.send(new DecryptCommand({ CiphertextBlob: Buffer.from("garbage") })))).name).toBe("InvalidCiphertextException");
  });
});

describe("grants", () => {
  test("a grant authorises its grantee for its operations and constraints; list, revoke, retire", async () => {
    const key = await newKey();
    const platformArn = "arn:aws:iam::210987654321:role/byok-platform";
    const denied = await awsError(() => platform.kms.send(new GenerateDataKeyCommand({ KeyId: key.arn, KeySpec: "AES_256" })));
    expect(denied.name).toBe("AccessDeniedException");
    const grant = await customer.kms.send(
      new CreateGrantCommand({ KeyId: key.id, GranteePrincipal: platformArn, Operations: ["GenerateDataKey", "Decrypt"], Constraints: { EncryptionContextSubset: { tenant: "acme" } }, Name: "platform" }),
    );
    expect(grant.GrantId).toBeTruthy();
    await platform.kms.send(new GenerateDataKeyCommand({ KeyId: key.arn, KeySpec: "AES_256", EncryptionContext: { tenant: "acme" } }));
    const outsideConstraint = await awsError(() => platform.kms.send(new GenerateDataKeyCommand({ KeyId: key.arn, KeySpec: "AES_256", EncryptionContext: { tenant: "other" } })));
    expect(outsideConstraint.name).toBe("AccessDeniedException");
    const again = await customer.kms.send(
      new CreateGrantCommand({ KeyId: key.id, GranteePrincipal: platformArn, Operations: ["GenerateDataKey", "Decrypt"], Constraints: { EncryptionContextSubset: { tenant: "acme" } }, Name: "platform" }),
    );
    expect(again.GrantId).toBe(grant.GrantId);
    const listed = await customer.kms.send(new ListGrantsCommand({ KeyId: key.id }));
    expect(listed.Grants?.map((g) => g.GrantId)).toEqual([grant.GrantId]);
    await customer.kms.send(new RevokeGrantCommand({ KeyId: key.id, GrantId: grant.GrantId }));
    expect((await awsError(() => customer.kms.send(new RevokeGrantCommand({ KeyId: key.id, GrantId: grant.GrantId })))).name).toBe("NotFoundException");
    const second = await customer.kms.send(new CreateGrantCommand({ KeyId: key.id, GranteePrincipal: platformArn, Operations: ["Decrypt"] }));
    await customer.kms.send(new RetireGrantCommand({ GrantToken: second.GrantToken }));
    expect((await customer.kms.send(new ListGrantsCommand({ KeyId: key.id }))).Grants).toEqual([]);
  });
});

describe("authentication", () => {
  test("unknown access keys and unsigned requests are refused the KMS way", async () => {
    const stranger = clientsFor(sandbox.url, "stranger");
    const err = await awsError(() => stranger.kms.send(new ListKeysCommand({})));
    expect(err).toMatchObject({ name: "UnrecognizedClientException", message: "The security token included in the request is invalid." });
    const res = await fetch(sandbox.url, { method: "POST", headers: { "x-amz-target": "TrentService.ListKeys", "content-type": "application/x-amz-json-1.1" }, body: "{}" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { __type: string }).__type).toBe("MissingAuthenticationTokenException");
  });
});

describe("key specs, usages and imported material", () => {
  test.each([
    ["RSA_2048", "SIGN_VERIFY", { SigningAlgorithms: ["RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512", "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512"] }],
    ["RSA_3072", "ENCRYPT_DECRYPT", { EncryptionAlgorithms: ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"] }],
    ["ECC_NIST_P256", "SIGN_VERIFY", { SigningAlgorithms: ["ECDSA_SHA_256"] }],
    ["HMAC_256", "GENERATE_VERIFY_MAC", { MacAlgorithms: ["HMAC_SHA_256"] }],
  ] as const)("a %s key for %s is described as such and refuses Encrypt and GenerateDataKey", async (keySpec, keyUsage, algorithms) => {
    const created = await customer.kms.send(new CreateKeyCommand({ KeySpec: keySpec, KeyUsage: keyUsage }));
    const arn = created.KeyMetadata?.Arn ?? "";
    expect((await customer.kms.send(new DescribeKeyCommand({ KeyId: arn }))).KeyMetadata).toMatchObject({ KeySpec: keySpec, KeyUsage: keyUsage, KeyState: "Enabled", ...algorithms });
    expect((await awsError(() => customer.kms.send(new EncryptCommand({ KeyId: arn, Plaintext: Buffer.from("x") })))).name).toBe("InvalidKeyUsageException");
    expect((await awsError(() => customer.kms.send(new GenerateDataKeyCommand({ KeyId: arn, KeySpec: "AES_256" })))).name).toBe("InvalidKeyUsageException");
  });

  test("a spec with a usage it cannot have is refused", async () => {
    expect((await awsError(() => customer.kms.send(new CreateKeyCommand({ KeySpec: "HMAC_256", KeyUsage: "ENCRYPT_DECRYPT" }))))).toMatchObject({ name: "ValidationException" });
  });

  test("Origin EXTERNAL waits for key material: PendingImport, not usable, not enableable", async () => {
    const created = await customer.kms.send(new CreateKeyCommand({ Origin: "EXTERNAL" }));
    const arn = created.KeyMetadata?.Arn ?? "";
    expect(created.KeyMetadata).toMatchObject({ Origin: "EXTERNAL", KeyState: "PendingImport", Enabled: false });
    expect((await awsError(() => customer.kms.send(new GenerateDataKeyCommand({ KeyId: arn, KeySpec: "AES_256" })))).name).toBe("KMSInvalidStateException");
    expect((await awsError(() => customer.kms.send(new EnableKeyCommand({ KeyId: arn })))).name).toBe("KMSInvalidStateException");
  });
});
