/**
 * Asymmetric, HMAC, imported and multi-Region keys through the real AWS CLI
 * (`/usr/bin/aws --endpoint-url`), with material wrapped by `openssl`, as a customer does it.
 * Signatures, MACs and ciphertexts are checked outside the sandbox too, with Node's crypto and
 * the public key or material the test holds. Each CLI call starts a Python process, so the
 * full matrix of key specs and algorithms goes through @aws-sdk/client-kms instead.
 */
import { execFile } from "node:child_process";
import { constants, createHash, createHmac, createPrivateKey, createPublicKey, publicEncrypt, randomBytes, verify } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { CreateKeyCommand, DecryptCommand, DescribeKeyCommand, DisableKeyCommand, EncryptCommand, GenerateDataKeyCommand, GenerateMacCommand, GetPublicKeyCommand, type MacAlgorithmSpec, SignCommand, type SigningAlgorithmSpec, VerifyCommand, VerifyMacCommand } from "@aws-sdk/client-kms";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { RunningSandbox } from "../../server";
import { awsError, clientsFor, startTestSandbox } from "../../test-support";

const run = promisify(execFile);
const AWS = "/usr/bin/aws";
/** Tests that make many CLI calls: each is a Python process, slow on a busy machine. */
const CLI_TIMEOUT = 600_000;

let sandbox: RunningSandbox;
let workdir: string;
let clock = new Date("2026-03-01T12:00:00Z");
const stateFile = () => path.join(workdir, "state.json");

beforeAll(async () => {
  if (!fs.existsSync(AWS)) throw new Error(`${AWS} is missing: install Debian's awscli (apt-get install -y awscli).`);
  workdir = fs.mkdtempSync(path.join(os.tmpdir(), "byok-key-types-"));
  sandbox = await startTestSandbox({ stateFile: stateFile(), now: () => clock });
});
afterAll(async () => {
  await sandbox?.close();
  if (workdir) fs.rmSync(workdir, { recursive: true, force: true });
});
beforeEach(() => {
  sandbox.reset();
  clock = new Date("2026-03-01T12:00:00Z");
});

function cliEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith("AWS_")) delete env[name];
  return {
    ...env,
    HOME: workdir,
    AWS_ACCESS_KEY_ID: "customer",
    AWS_SECRET_ACCESS_KEY: "customer",
    AWS_PAGER: "",
    AWS_CONFIG_FILE: path.join(workdir, "no-config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(workdir, "no-credentials"),
  };
}

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], region = "us-east-1"): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(AWS, ["--endpoint-url", sandbox.url, "--region", region, "--output", "json", "kms", ...args], {
      cwd: workdir,
      env: cliEnvironment(),
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; code?: number };
    return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/** A call expected to succeed, parsed. */
async function kms<T = Record<string, unknown>>(args: string[], region?: string): Promise<T> {
  const result = await cli(args, region);
  if (result.code !== 0) throw new Error(`aws kms ${args.join(" ")} failed (${result.code}): ${result.stderr}`);
  return (result.stdout.trim() === "" ? {} : JSON.parse(result.stdout)) as T;
}

/** A call expected to fail: the CLI's error line, e.g. "An error occurred (InvalidKeyUsageException) when calling …". */
async function kmsError(args: string[], region?: string): Promise<string> {
  const result = await cli(args, region);
  expect(result.code, `expected aws kms ${args.join(" ")} to fail; it printed ${result.stdout}`).not.toBe(0);
  return result.stderr.trim();
}

let files = 0;

/** A new file in the work directory (numbered, so no later call overwrites it). */
function file(name: string, content: Buffer | string): string {
  files += 1;
  const target = path.join(workdir, `${files}-${name}`);
  fs.writeFileSync(target, content);
  return target;
}

async function openssl(args: string[]): Promise<void> {
  await run("openssl", args, { cwd: workdir, timeout: 60_000 });
}

interface KeyMetadata {
  KeyId: string;
  Arn: string;
  KeyState: string;
  KeySpec: string;
  KeyUsage: string;
  Origin: string;
  Enabled: boolean;
  SigningAlgorithms?: string[];
  EncryptionAlgorithms?: string[];
  MacAlgorithms?: string[];
  ExpirationModel?: string;
  /** The CLI prints timestamps as ISO 8601. */
  ValidTo?: string;
  MultiRegion: boolean;
  MultiRegionConfiguration?: { MultiRegionKeyType: string; PrimaryKey: { Arn: string; Region: string }; ReplicaKeys: Array<{ Arn: string; Region: string }> };
}

async function createKey(args: string[], region?: string): Promise<KeyMetadata> {
  return (await kms<{ KeyMetadata: KeyMetadata }>(["create-key", ...args], region)).KeyMetadata;
}

/** DescribeKey through the SDK: it only checks what the CLI calls did, so it need not start a CLI process. */
async function describeKey(keyId: string, region = "us-east-1") {
  const { kms: client } = clientsFor(sandbox.url, "customer", region);
  try {
    const metadata = (await client.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
    if (!metadata) throw new Error(`no metadata for ${keyId}`);
    return metadata;
  } finally {
    client.destroy();
  }
}

async function publicKeyOf(keyId: string, region?: string) {
  const out = await kms<{ PublicKey: string; KeySpec: string; KeyUsage: string; SigningAlgorithms?: string[] }>(["get-public-key", "--key-id", keyId], region);
  return { ...out, key: createPublicKey({ key: Buffer.from(out.PublicKey, "base64"), format: "der", type: "spki" }) };
}

async function sign(keyId: string, message: Buffer, algorithm: string, messageType = "RAW", region?: string): Promise<Buffer> {
  const out = await kms<{ Signature: string; SigningAlgorithm: string; KeyId: string }>(
    ["sign", "--key-id", keyId, "--message", `fileb://${file("message.bin", message)}`, "--message-type", messageType, "--signing-algorithm", algorithm],
    region,
  );
  expect(out.SigningAlgorithm).toBe(algorithm);
  return Buffer.from(out.Signature, "base64");
}

function verifyArgs(keyId: string, message: Buffer, signature: Buffer, algorithm: string): string[] {
  return [
    "verify",
    "--key-id",
    keyId,
    "--message",
    `fileb://${file("verify-message.bin", message)}`,
    "--signature",
    `fileb://${file("signature.bin", signature)}`,
    "--signing-algorithm",
    algorithm,
  ];
}

const HASHES: Record<string, string> = { "256": "sha256", "384": "sha384", "512": "sha512" };

function hashOf(algorithm: string): string {
  return HASHES[algorithm.slice(-3)] ?? "sha256";
}

/** Node's own verification of a KMS signature with the public key GetPublicKey returned. */
function verifiesOutside(publicKey: ReturnType<typeof createPublicKey>, algorithm: string, message: Buffer, signature: Buffer): boolean {
  const hash = hashOf(algorithm);
  if (algorithm.startsWith("ECDSA_")) return verify(hash, message, { key: publicKey, dsaEncoding: "der" }, signature);
  const pss = algorithm.startsWith("RSASSA_PSS_");
  return verify(hash, message, { key: publicKey, padding: pss ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING, saltLength: createHash(hash).digest().length }, signature);
}

const RSA_SIGNING = ["RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512", "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512"];
const SIGNING_SPECS: Array<{ spec: string; algorithms: string[] }> = [
  { spec: "RSA_2048", algorithms: RSA_SIGNING },
  { spec: "RSA_3072", algorithms: RSA_SIGNING },
  { spec: "RSA_4096", algorithms: RSA_SIGNING },
  { spec: "ECC_NIST_P256", algorithms: ["ECDSA_SHA_256"] },
  { spec: "ECC_NIST_P384", algorithms: ["ECDSA_SHA_384"] },
  { spec: "ECC_NIST_P521", algorithms: ["ECDSA_SHA_512"] },
  { spec: "ECC_SECG_P256K1", algorithms: ["ECDSA_SHA_256"] },
];

describe("asymmetric signing keys", () => {
  test.each(SIGNING_SPECS)("$spec, every algorithm, RAW and DIGEST (SDK): the signatures verify in KMS and outside it", async ({ spec, algorithms }) => {
    const { kms: client } = clientsFor(sandbox.url, "customer");
    const created = await client.send(new CreateKeyCommand({ KeySpec: spec as never, KeyUsage: "SIGN_VERIFY" }));
    const keyId = created.KeyMetadata?.Arn ?? "";
    expect(created.KeyMetadata?.SigningAlgorithms).toEqual(algorithms);
    const publicKey = createPublicKey({ key: Buffer.from((await client.send(new GetPublicKeyCommand({ KeyId: keyId }))).PublicKey ?? []), format: "der", type: "spki" });
    const message = Buffer.from(`pay 10 EUR to ${spec}`);
    for (const algorithm of algorithms) {
      const SigningAlgorithm = algorithm as SigningAlgorithmSpec;
      const digest = createHash(hashOf(algorithm)).update(message).digest();
      for (const signed of [
        await client.send(new SignCommand({ KeyId: keyId, Message: message, SigningAlgorithm })),
        await client.send(new SignCommand({ KeyId: keyId, Message: digest, MessageType: "DIGEST", SigningAlgorithm })),
      ]) {
        const signature = Buffer.from(signed.Signature ?? []);
        expect(verifiesOutside(publicKey, algorithm, message, signature)).toBe(true);
        expect((await client.send(new VerifyCommand({ KeyId: keyId, Message: message, Signature: signature, SigningAlgorithm }))).SignatureValid).toBe(true);
        expect((await client.send(new VerifyCommand({ KeyId: keyId, Message: digest, MessageType: "DIGEST", Signature: signature, SigningAlgorithm }))).SignatureValid).toBe(true);
        const tampered = await awsError(() => client.send(new VerifyCommand({ KeyId: keyId, Message: Buffer.from("pay 99 EUR"), Signature: signature, SigningAlgorithm })));
        expect(tampered.name).toBe("KMSInvalidSignatureException");
      }
      // A digest of the wrong length for the algorithm is refused before signing.
      const shortDigest = await awsError(() => client.send(new SignCommand({ KeyId: keyId, Message: randomBytes(20), MessageType: "DIGEST", SigningAlgorithm })));
      expect(shortDigest).toMatchObject({ name: "ValidationException", message: `Digest is invalid length for algorithm ${algorithm}.` });
    }
    client.destroy();
  });

  test(
    "RSA_2048 through the CLI: create, GetPublicKey, Sign (RAW and DIGEST), Verify; Encrypt refused with AWS's message",
    async () => {
      const algorithm = "RSASSA_PSS_SHA_512";
      const meta = await createKey(["--key-spec", "RSA_2048", "--key-usage", "SIGN_VERIFY"]);
      expect(meta).toMatchObject({ KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY", KeyState: "Enabled", Origin: "AWS_KMS", SigningAlgorithms: RSA_SIGNING });
      expect(meta.EncryptionAlgorithms).toBeUndefined();
      const publicKey = await publicKeyOf(meta.Arn);
      expect(publicKey).toMatchObject({ KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" });
      const message = Buffer.from("pay 10 EUR");
      const raw = await sign(meta.KeyId, message, algorithm);
      expect(verifiesOutside(publicKey.key, algorithm, message, raw)).toBe(true);
      const fromDigest = await sign(meta.KeyId, createHash("sha512").update(message).digest(), algorithm, "DIGEST");
      expect(verifiesOutside(publicKey.key, algorithm, message, fromDigest)).toBe(true);
      expect(await kms(verifyArgs(meta.Arn, message, raw, algorithm))).toMatchObject({ SignatureValid: true, SigningAlgorithm: algorithm });
      expect(await kmsError(verifyArgs(meta.Arn, Buffer.from("pay 99 EUR"), raw, algorithm))).toContain("(KMSInvalidSignatureException) when calling the Verify operation");
      const encrypt = await kmsError(["encrypt", "--key-id", meta.Arn, "--plaintext", `fileb://${file("p.bin", "hello")}`]);
      expect(encrypt).toBe(`An error occurred (InvalidKeyUsageException) when calling the Encrypt operation: ${meta.Arn} key usage is SIGN_VERIFY which is not valid for Encrypt.`);
    },
    CLI_TIMEOUT,
  );

  test("a signing key refuses data keys and other key types' algorithms; other keys refuse signing", async () => {
    const { kms: client } = clientsFor(sandbox.url, "customer");
    const rsa = (await client.send(new CreateKeyCommand({ KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" }))).KeyMetadata?.Arn ?? "";
    expect(await awsError(() => client.send(new GenerateDataKeyCommand({ KeyId: rsa, KeySpec: "AES_256" })))).toMatchObject({
      name: "InvalidKeyUsageException",
      message: `${rsa} key usage is SIGN_VERIFY which is not valid for GenerateDataKey.`,
    });
    const ecc = (await client.send(new CreateKeyCommand({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" }))).KeyMetadata?.Arn ?? "";
    expect((await awsError(() => client.send(new SignCommand({ KeyId: ecc, Message: Buffer.from("x"), SigningAlgorithm: "RSASSA_PSS_SHA_256" })))).name).toBe("InvalidKeyUsageException");
    const symmetric = (await client.send(new CreateKeyCommand({}))).KeyMetadata?.Arn ?? "";
    expect((await awsError(() => client.send(new GetPublicKeyCommand({ KeyId: symmetric })))).name).toBe("UnsupportedOperationException");
    expect(await awsError(() => client.send(new SignCommand({ KeyId: symmetric, Message: Buffer.from("x"), SigningAlgorithm: "ECDSA_SHA_256" })))).toMatchObject({
      name: "InvalidKeyUsageException",
      message: `${symmetric} key usage is ENCRYPT_DECRYPT which is not valid for Sign.`,
    });
    await client.send(new DisableKeyCommand({ KeyId: ecc }));
    expect((await awsError(() => client.send(new SignCommand({ KeyId: ecc, Message: Buffer.from("x"), SigningAlgorithm: "ECDSA_SHA_256" })))).name).toBe("DisabledException");
    client.destroy();
  });

  test("signatures made before a restart verify after it: the private key is saved with the state", async () => {
    let { kms: client } = clientsFor(sandbox.url, "customer");
    const keyId = (await client.send(new CreateKeyCommand({ KeySpec: "ECC_NIST_P384", KeyUsage: "SIGN_VERIFY" }))).KeyMetadata?.Arn ?? "";
    const message = Buffer.from("signed before the restart");
    const signature = (await client.send(new SignCommand({ KeyId: keyId, Message: message, SigningAlgorithm: "ECDSA_SHA_384" }))).Signature;
    const before = Buffer.from((await client.send(new GetPublicKeyCommand({ KeyId: keyId }))).PublicKey ?? []);
    client.destroy();
    await sandbox.close();
    sandbox = await startTestSandbox({ stateFile: stateFile(), now: () => clock });
    ({ kms: client } = clientsFor(sandbox.url, "customer"));
    expect(Buffer.from((await client.send(new GetPublicKeyCommand({ KeyId: keyId }))).PublicKey ?? []).equals(before)).toBe(true);
    expect((await client.send(new VerifyCommand({ KeyId: keyId, Message: message, Signature: signature, SigningAlgorithm: "ECDSA_SHA_384" }))).SignatureValid).toBe(true);
    client.destroy();
  });
});

describe("RSA encryption keys", () => {
  test(
    "RSAES_OAEP encrypts in KMS and outside with the public key; Decrypt needs the key and algorithm",
    async () => {
      const meta = await createKey(["--key-spec", "RSA_2048", "--key-usage", "ENCRYPT_DECRYPT"]);
      expect(meta.EncryptionAlgorithms).toEqual(["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]);
      const { key } = await publicKeyOf(meta.Arn);
      const encrypted = await kms<{ CiphertextBlob: string; EncryptionAlgorithm: string }>([
        "encrypt", "--key-id", meta.Arn, "--plaintext", `fileb://${file("p.bin", "a secret")}`, "--encryption-algorithm", "RSAES_OAEP_SHA_256",
      ]);
      expect(encrypted.EncryptionAlgorithm).toBe("RSAES_OAEP_SHA_256");
      const decrypted = await kms<{ Plaintext: string }>([
        "decrypt", "--key-id", meta.Arn, "--ciphertext-blob", `fileb://${file("c.bin", Buffer.from(encrypted.CiphertextBlob, "base64"))}`, "--encryption-algorithm", "RSAES_OAEP_SHA_256",
      ]);
      expect(Buffer.from(decrypted.Plaintext, "base64").toString()).toBe("a secret");

      const { kms: client } = clientsFor(sandbox.url, "customer");
      const outside = publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" }, Buffer.from("made outside"));
      const opened = await client.send(new DecryptCommand({ KeyId: meta.Arn, CiphertextBlob: outside, EncryptionAlgorithm: "RSAES_OAEP_SHA_1" }));
      expect(Buffer.from(opened.Plaintext ?? []).toString()).toBe("made outside");
      expect((await awsError(() => client.send(new DecryptCommand({ KeyId: meta.Arn, CiphertextBlob: outside, EncryptionAlgorithm: "RSAES_OAEP_SHA_256" })))).name).toBe("InvalidCiphertextException");
      expect((await awsError(() => client.send(new EncryptCommand({ KeyId: meta.Arn, Plaintext: Buffer.from("x") })))).name).toBe("InvalidKeyUsageException");
      expect(await awsError(() => client.send(new GenerateDataKeyCommand({ KeyId: meta.Arn, KeySpec: "AES_256" })))).toMatchObject({
        name: "InvalidKeyUsageException",
        message: `${meta.Arn} key spec is RSA_2048 which is not valid for GenerateDataKey.`,
      });
      client.destroy();
    },
    CLI_TIMEOUT,
  );
});

describe("HMAC keys", () => {
  test.each(["HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512"])("%s (SDK): GenerateMac and VerifyMac; other algorithms and encryption refused", async (spec) => {
    const { kms: client } = clientsFor(sandbox.url, "customer");
    const created = await client.send(new CreateKeyCommand({ KeySpec: spec as never, KeyUsage: "GENERATE_VERIFY_MAC" }));
    const keyId = created.KeyMetadata?.Arn ?? "";
    const MacAlgorithm = `HMAC_SHA_${spec.slice(5)}` as MacAlgorithmSpec;
    expect(created.KeyMetadata?.MacAlgorithms).toEqual([MacAlgorithm]);
    const message = Buffer.from("the message");
    const mac = Buffer.from((await client.send(new GenerateMacCommand({ KeyId: keyId, Message: message, MacAlgorithm }))).Mac ?? []);
    expect(mac).toHaveLength(Number(spec.slice(5)) / 8);
    expect((await client.send(new VerifyMacCommand({ KeyId: keyId, Message: message, MacAlgorithm, Mac: mac }))).MacValid).toBe(true);
    expect((await awsError(() => client.send(new VerifyMacCommand({ KeyId: keyId, Message: Buffer.from("other"), MacAlgorithm, Mac: mac })))).name).toBe("KMSInvalidMacException");
    const otherAlgorithm: MacAlgorithmSpec = spec === "HMAC_256" ? "HMAC_SHA_512" : "HMAC_SHA_256";
    expect((await awsError(() => client.send(new GenerateMacCommand({ KeyId: keyId, Message: message, MacAlgorithm: otherAlgorithm })))).name).toBe("InvalidKeyUsageException");
    expect((await awsError(() => client.send(new GenerateDataKeyCommand({ KeyId: keyId, NumberOfBytes: 32 })))).message).toBe(`${keyId} key usage is GENERATE_VERIFY_MAC which is not valid for GenerateDataKey.`);
    client.destroy();
  });

  test(
    "HMAC_256 through the CLI: GenerateMac and VerifyMac; Encrypt refused with AWS's message",
    async () => {
      const meta = await createKey(["--key-spec", "HMAC_256", "--key-usage", "GENERATE_VERIFY_MAC"]);
      expect(meta).toMatchObject({ KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC", MacAlgorithms: ["HMAC_SHA_256"] });
      const message = file("mac-message.bin", "the message");
      const mac = await kms<{ Mac: string; MacAlgorithm: string; KeyId: string }>(["generate-mac", "--key-id", meta.Arn, "--message", `fileb://${message}`, "--mac-algorithm", "HMAC_SHA_256"]);
      expect(mac).toMatchObject({ MacAlgorithm: "HMAC_SHA_256", KeyId: meta.Arn });
      const macFile = file("mac.bin", Buffer.from(mac.Mac, "base64"));
      expect(await kms(["verify-mac", "--key-id", meta.Arn, "--message", `fileb://${message}`, "--mac-algorithm", "HMAC_SHA_256", "--mac", `fileb://${macFile}`])).toMatchObject({ MacValid: true });
      const other = file("other.bin", "another message");
      expect(await kmsError(["verify-mac", "--key-id", meta.Arn, "--message", `fileb://${other}`, "--mac-algorithm", "HMAC_SHA_256", "--mac", `fileb://${macFile}`])).toContain(
        "(KMSInvalidMacException) when calling the VerifyMac operation",
      );
      expect(await kmsError(["encrypt", "--key-id", meta.Arn, "--plaintext", `fileb://${message}`])).toBe(
        `An error occurred (InvalidKeyUsageException) when calling the Encrypt operation: ${meta.Arn} key usage is GENERATE_VERIFY_MAC which is not valid for Encrypt.`,
      );
    },
    CLI_TIMEOUT,
  );
});

interface ImportParameters {
  KeyId: string;
  ImportToken: string;
  PublicKey: string;
  ParametersValidTo: string;
}

/** GetParametersForImport, with the wrapping key and token written to files for openssl and the CLI. */
async function importParameters(keyId: string, wrappingAlgorithm: string, wrappingKeySpec = "RSA_2048", region?: string) {
  const out = await kms<ImportParameters>(["get-parameters-for-import", "--key-id", keyId, "--wrapping-algorithm", wrappingAlgorithm, "--wrapping-key-spec", wrappingKeySpec], region);
  return { ...out, publicKeyFile: file("wrapping-key.der", Buffer.from(out.PublicKey, "base64")), tokenFile: file("import-token.bin", Buffer.from(out.ImportToken, "base64")) };
}

/** `openssl pkeyutl` RSAES-OAEP under the wrapping key, as the KMS Developer Guide shows it. */
async function wrapWithOaep(publicKeyFile: string, materialFile: string, hash: "sha1" | "sha256"): Promise<string> {
  const out = path.join(workdir, "wrapped.bin");
  await openssl(["pkeyutl", "-encrypt", "-pubin", "-keyform", "DER", "-inkey", publicKeyFile, "-in", materialFile, "-out", out, "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", `rsa_oaep_md:${hash}`, "-pkeyopt", `rsa_mgf1_md:${hash}`]);
  return out;
}

/** RSA_AES_KEY_WRAP: an ephemeral AES key under RSAES-OAEP, then the material under AES key wrap with padding. */
async function wrapWithAesKeyWrap(publicKeyFile: string, materialFile: string, hash: "sha1" | "sha256"): Promise<string> {
  const aesKey = randomBytes(32);
  const wrappedAes = await wrapWithOaep(publicKeyFile, file("aes.key", aesKey), hash);
  const wrappedMaterial = path.join(workdir, "wrapped-material.bin");
  await openssl(["enc", "-id-aes256-wrap-pad", "-iv", "A65959A6", "-K", aesKey.toString("hex"), "-in", materialFile, "-out", wrappedMaterial]);
  return file("wrapped-aes-kw.bin", Buffer.concat([fs.readFileSync(wrappedAes), fs.readFileSync(wrappedMaterial)]));
}

function importArgs(keyId: string, tokenFile: string, wrappedFile: string, expiry: { validTo: Date } | "never"): string[] {
  return [
    "import-key-material",
    "--key-id",
    keyId,
    "--import-token",
    `fileb://${tokenFile}`,
    "--encrypted-key-material",
    `fileb://${wrappedFile}`,
    ...(expiry === "never" ? ["--expiration-model", "KEY_MATERIAL_DOES_NOT_EXPIRE"] : ["--expiration-model", "KEY_MATERIAL_EXPIRES", "--valid-to", expiry.validTo.toISOString()]),
  ];
}

describe("imported key material", () => {
  test("symmetric: PendingImport, import wrapped by openssl with ValidTo; past ValidTo the key is PendingImport again", async () => {
    const meta = await createKey(["--origin", "EXTERNAL", "--description", "imported"]);
    expect(meta).toMatchObject({ Origin: "EXTERNAL", KeyState: "PendingImport", Enabled: false });
    const plaintext = file("p.bin", "protected by imported material");
    expect(await kmsError(["encrypt", "--key-id", meta.Arn, "--plaintext", `fileb://${plaintext}`])).toContain("(KMSInvalidStateException)");

    const material = file("material.bin", randomBytes(32));
    const params = await importParameters(meta.Arn, "RSAES_OAEP_SHA_256");
    expect(params.KeyId).toBe(meta.Arn);
    expect(Date.parse(params.ParametersValidTo)).toBe(clock.getTime() + 24 * 3_600_000);
    expect(createPublicKey({ key: fs.readFileSync(params.publicKeyFile), format: "der", type: "spki" }).asymmetricKeyDetails?.modulusLength).toBe(2048);
    const validTo = new Date(clock.getTime() + 10 * 86_400_000);
    await kms(importArgs(meta.Arn, params.tokenFile, await wrapWithOaep(params.publicKeyFile, material, "sha256"), { validTo }));
    const imported = await describeKey(meta.Arn);
    expect(imported).toMatchObject({ KeyState: "Enabled", ExpirationModel: "KEY_MATERIAL_EXPIRES", ValidTo: validTo });
    const encrypted = await kms<{ CiphertextBlob: string }>(["encrypt", "--key-id", meta.Arn, "--plaintext", `fileb://${plaintext}`]);
    const ciphertext = file("c.bin", Buffer.from(encrypted.CiphertextBlob, "base64"));

    // Past ValidTo, KMS deletes the material: the key waits for it again.
    clock = new Date(validTo.getTime() + 1000);
    const expired = await describeKey(meta.Arn);
    expect(expired).toMatchObject({ KeyState: "PendingImport", Enabled: false });
    expect(expired.ValidTo).toBeUndefined();
    expect(await kmsError(["decrypt", "--ciphertext-blob", `fileb://${ciphertext}`])).toContain("(KMSInvalidStateException)");
  }, CLI_TIMEOUT);

  test("symmetric: different material is refused; the same material, reimported after deletion, decrypts the old ciphertext", async () => {
    const meta = await createKey(["--origin", "EXTERNAL"]);
    const material = file("material.bin", randomBytes(32));
    const first = await importParameters(meta.Arn, "RSAES_OAEP_SHA_256");
    await kms(importArgs(meta.Arn, first.tokenFile, await wrapWithOaep(first.publicKeyFile, material, "sha256"), "never"));
    const { kms: client } = clientsFor(sandbox.url, "customer");
    const sealed = await client.send(new EncryptCommand({ KeyId: meta.Arn, Plaintext: Buffer.from("protected by imported material") }));
    client.destroy();
    const ciphertext = file("c.bin", Buffer.from(sealed.CiphertextBlob ?? []));
    await kms(["delete-imported-key-material", "--key-id", meta.Arn]);
    expect(await describeKey(meta.Arn)).toMatchObject({ KeyState: "PendingImport" });

    // Different material is refused; the same material brings the old ciphertext back.
    const again = await importParameters(meta.Arn, "RSAES_OAEP_SHA_1");
    const otherMaterial = file("other-material.bin", randomBytes(32));
    expect(await kmsError(importArgs(meta.Arn, again.tokenFile, await wrapWithOaep(again.publicKeyFile, otherMaterial, "sha1"), "never"))).toContain("(IncorrectKeyMaterialException)");
    await kms(importArgs(meta.Arn, again.tokenFile, await wrapWithOaep(again.publicKeyFile, material, "sha1"), "never"));
    const reimported = await describeKey(meta.Arn);
    expect(reimported).toMatchObject({ KeyState: "Enabled", ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" });
    expect(reimported.ValidTo).toBeUndefined();
    const decrypted = await kms<{ Plaintext: string }>(["decrypt", "--ciphertext-blob", `fileb://${ciphertext}`]);
    expect(Buffer.from(decrypted.Plaintext, "base64").toString()).toBe("protected by imported material");

  }, CLI_TIMEOUT);

  test("import tokens: another key's token, an expired token, a bad ValidTo and an AWS_KMS key are refused", async () => {
    const first = await createKey(["--origin", "EXTERNAL"]);
    const second = await createKey(["--origin", "EXTERNAL"]);
    const material = file("material.bin", randomBytes(32));
    const params = await importParameters(first.Arn, "RSAES_OAEP_SHA_256");
    const wrapped = await wrapWithOaep(params.publicKeyFile, material, "sha256");
    await importParameters(second.Arn, "RSAES_OAEP_SHA_256");
    expect(await kmsError(importArgs(second.Arn, params.tokenFile, wrapped, "never"))).toContain("(InvalidImportTokenException)");
    expect(await kmsError(importArgs(first.Arn, params.tokenFile, wrapped, { validTo: new Date(clock.getTime() - 1000) }))).toContain("(ValidationException)");
    expect(await kmsError(importArgs(first.Arn, params.tokenFile, wrapped, { validTo: new Date(clock.getTime() + 400 * 86_400_000) }))).toContain("(ValidationException)");
    clock = new Date(clock.getTime() + 25 * 3_600_000);
    expect(await kmsError(importArgs(first.Arn, params.tokenFile, wrapped, "never"))).toContain("(ExpiredImportTokenException)");
    const native = await createKey([]);
    expect(await kmsError(["get-parameters-for-import", "--key-id", native.Arn, "--wrapping-algorithm", "RSAES_OAEP_SHA_256", "--wrapping-key-spec", "RSA_2048"])).toContain("(UnsupportedOperationException)");
    expect(await kmsError(["delete-imported-key-material", "--key-id", native.Arn])).toContain("(UnsupportedOperationException)");
  }, CLI_TIMEOUT);

  test("ECC and HMAC material: RSA_AES_KEY_WRAP_SHA_256 and RSAES_OAEP_SHA_1; KMS signs and MACs with exactly that material", async () => {
    const ecc = await createKey(["--origin", "EXTERNAL", "--key-spec", "ECC_NIST_P256", "--key-usage", "SIGN_VERIFY"]);
    const privateKeyFile = path.join(workdir, "ec-private.der");
    await openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-outform", "DER", "-out", path.join(workdir, "ec-raw.der")]);
    await openssl(["pkcs8", "-topk8", "-nocrypt", "-inform", "DER", "-in", path.join(workdir, "ec-raw.der"), "-outform", "DER", "-out", privateKeyFile]);
    const params = await importParameters(ecc.Arn, "RSA_AES_KEY_WRAP_SHA_256", "RSA_3072");
    await kms(importArgs(ecc.Arn, params.tokenFile, await wrapWithAesKeyWrap(params.publicKeyFile, privateKeyFile, "sha256"), "never"));
    const ours = createPublicKey(createPrivateKey({ key: fs.readFileSync(privateKeyFile), format: "der", type: "pkcs8" }));
    const theirs = await publicKeyOf(ecc.Arn);
    expect(theirs.key.export({ format: "der", type: "spki" }).equals(ours.export({ format: "der", type: "spki" }))).toBe(true);
    const message = Buffer.from("signed with imported material");
    expect(verify("sha256", message, { key: ours, dsaEncoding: "der" }, await sign(ecc.Arn, message, "ECDSA_SHA_256"))).toBe(true);

    const hmac = await createKey(["--origin", "EXTERNAL", "--key-spec", "HMAC_256", "--key-usage", "GENERATE_VERIFY_MAC"]);
    const hmacKey = randomBytes(32);
    const hmacParams = await importParameters(hmac.Arn, "RSAES_OAEP_SHA_1");
    await kms(importArgs(hmac.Arn, hmacParams.tokenFile, await wrapWithOaep(hmacParams.publicKeyFile, file("hmac.key", hmacKey), "sha1"), "never"));
    const mac = await kms<{ Mac: string }>(["generate-mac", "--key-id", hmac.Arn, "--message", `fileb://${file("m.bin", message)}`, "--mac-algorithm", "HMAC_SHA_256"]);
    expect(Buffer.from(mac.Mac, "base64").equals(createHmac("sha256", hmacKey).update(message).digest())).toBe(true);

    // Material of the wrong spec is not this key's material.
    const wrongSize = await createKey(["--origin", "EXTERNAL"]);
    const wrongParams = await importParameters(wrongSize.Arn, "RSAES_OAEP_SHA_256");
    expect(await kmsError(importArgs(wrongSize.Arn, wrongParams.tokenFile, await wrapWithOaep(wrongParams.publicKeyFile, file("short.key", randomBytes(16)), "sha256"), "never"))).toContain(
      "(IncorrectKeyMaterialException)",
    );
  }, CLI_TIMEOUT);
});

describe("multi-Region keys", () => {
  test("mrk- ids; ReplicateKey makes a replica with the same material; DescribeKey shows MultiRegionConfiguration", async () => {
    const primary = await createKey(["--multi-region", "--description", "mrk"]);
    expect(primary.KeyId).toMatch(/^mrk-[0-9a-f]{32}$/);
    expect(primary.MultiRegionConfiguration).toMatchObject({ MultiRegionKeyType: "PRIMARY", PrimaryKey: { Arn: primary.Arn, Region: "us-east-1" }, ReplicaKeys: [] });
    const replicated = await kms<{ ReplicaKeyMetadata: KeyMetadata }>(["replicate-key", "--key-id", primary.Arn, "--replica-region", "eu-west-1"]);
    const replicaArn = `arn:aws:kms:eu-west-1:123456789012:key/${primary.KeyId}`;
    expect(replicated.ReplicaKeyMetadata).toMatchObject({ Arn: replicaArn, KeyState: "Enabled", MultiRegion: true });
    expect((await describeKey(primary.Arn)).MultiRegionConfiguration?.ReplicaKeys).toEqual([{ Arn: replicaArn, Region: "eu-west-1" }]);
    expect((await describeKey(primary.KeyId, "eu-west-1")).MultiRegionConfiguration).toMatchObject({ MultiRegionKeyType: "REPLICA", PrimaryKey: { Arn: primary.Arn, Region: "us-east-1" } });

    const encrypted = await kms<{ CiphertextBlob: string }>(["encrypt", "--key-id", primary.Arn, "--plaintext", `fileb://${file("p.bin", "across regions")}`]);
    const decrypted = await kms<{ Plaintext: string; KeyId: string }>(["decrypt", "--ciphertext-blob", `fileb://${file("c.bin", Buffer.from(encrypted.CiphertextBlob, "base64"))}`], "eu-west-1");
    expect(Buffer.from(decrypted.Plaintext, "base64").toString()).toBe("across regions");
    expect(decrypted.KeyId).toBe(replicaArn);
  }, CLI_TIMEOUT);

  test("an asymmetric multi-Region key: the replica has the same public key and verifies the primary's signatures", async () => {
    const primary = await createKey(["--multi-region", "--key-spec", "ECC_NIST_P256", "--key-usage", "SIGN_VERIFY"]);
    const replicated = await kms<{ ReplicaKeyMetadata: KeyMetadata }>(["replicate-key", "--key-id", primary.Arn, "--replica-region", "ap-southeast-2"]);
    expect(replicated.ReplicaKeyMetadata).toMatchObject({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" });
    expect((await publicKeyOf(primary.KeyId, "ap-southeast-2")).PublicKey).toBe((await publicKeyOf(primary.Arn)).PublicKey);
    const message = Buffer.from("signed in us-east-1");
    const signature = await sign(primary.Arn, message, "ECDSA_SHA_256");
    expect(await kms(verifyArgs(replicated.ReplicaKeyMetadata.Arn, message, signature, "ECDSA_SHA_256"), "ap-southeast-2")).toMatchObject({ SignatureValid: true });
  }, CLI_TIMEOUT);

  test("an imported multi-Region key: the replica waits for the same material", async () => {
    const primary = await createKey(["--multi-region", "--origin", "EXTERNAL"]);
    const material = file("material.bin", randomBytes(32));
    const params = await importParameters(primary.Arn, "RSAES_OAEP_SHA_256");
    await kms(importArgs(primary.Arn, params.tokenFile, await wrapWithOaep(params.publicKeyFile, material, "sha256"), "never"));
    const replica = (await kms<{ ReplicaKeyMetadata: KeyMetadata }>(["replicate-key", "--key-id", primary.Arn, "--replica-region", "eu-west-1"])).ReplicaKeyMetadata;
    expect(replica).toMatchObject({ Origin: "EXTERNAL", KeyState: "PendingImport" });
    const replicaParams = await importParameters(replica.Arn, "RSAES_OAEP_SHA_256", "RSA_2048", "eu-west-1");
    const other = file("other.bin", randomBytes(32));
    expect(await kmsError(importArgs(replica.Arn, replicaParams.tokenFile, await wrapWithOaep(replicaParams.publicKeyFile, other, "sha256"), "never"), "eu-west-1")).toContain(
      "(IncorrectKeyMaterialException)",
    );
    await kms(importArgs(replica.Arn, replicaParams.tokenFile, await wrapWithOaep(replicaParams.publicKeyFile, material, "sha256"), "never"), "eu-west-1");
    const encrypted = await kms<{ CiphertextBlob: string }>(["encrypt", "--key-id", primary.Arn, "--plaintext", `fileb://${file("p.bin", "imported everywhere")}`]);
    const decrypted = await kms<{ Plaintext: string }>(["decrypt", "--ciphertext-blob", `fileb://${file("c.bin", Buffer.from(encrypted.CiphertextBlob, "base64"))}`], "eu-west-1");
    expect(Buffer.from(decrypted.Plaintext, "base64").toString()).toBe("imported everywhere");
  }, CLI_TIMEOUT);
});
