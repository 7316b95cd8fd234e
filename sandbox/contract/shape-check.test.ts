/** The contract checker itself: each kind of drift it exists to catch is reported. */
import { describe, expect, test } from "vitest";
import { models } from "./models";
import { type RawResponse, jsonProblems, queryProblems, restXmlProblems } from "./shape-check";

const json = (body: unknown): RawResponse => ({ status: 200, headers: { "content-type": "application/x-amz-json-1.1" }, body: Buffer.from(JSON.stringify(body)) });
const xml = (body: string, headers: Record<string, string> = {}): RawResponse => ({ status: 200, headers: { "content-type": "text/xml", ...headers }, body: Buffer.from(body) });

describe("awsJson (KMS)", () => {
  const metadata = { KeyId: "1234abcd-12ab-34cd-56ef-1234567890ab", Arn: "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", CreationDate: 1700000000.5, Enabled: true, KeyState: "Enabled", EncryptionAlgorithms: ["SYMMETRIC_DEFAULT"] };

  test("a faithful answer has no problems", () => {
    expect(jsonProblems(models.kms, "DescribeKey", json({ KeyMetadata: metadata }))).toEqual([]);
  });

  test("an unknown member, a wrong type, a value outside the enum, an ISO date where epoch seconds go", () => {
    const drifted = { KeyMetadata: { ...metadata, Enabled: "true", KeyState: "Active", Colour: "blue", CreationDate: "2024-01-01T00:00:00Z", EncryptionAlgorithms: ["ROT13"] } };
    expect(jsonProblems(models.kms, "DescribeKey", json(drifted))).toEqual([
      'DescribeKey.KeyMetadata.CreationDate: "2024-01-01T00:00:00Z" is not a timestamp',
      'DescribeKey.KeyMetadata.Enabled: "true" is not a boolean',
      'DescribeKey.KeyMetadata.KeyState: "Active" is not one of the model\'s values',
      'DescribeKey.KeyMetadata.EncryptionAlgorithms[0]: "ROT13" is not one of the model\'s values',
      "DescribeKey.KeyMetadata.Colour: not a member of KeyMetadata in the model",
    ]);
  });

  test("a required member missing (KeyMetadata.KeyId) and an operation without output answering members", () => {
    const { KeyId: _keyId, ...withoutId } = metadata;
    expect(jsonProblems(models.kms, "DescribeKey", json({ KeyMetadata: withoutId }))).toEqual(["DescribeKey.KeyMetadata: required member KeyId is missing"]);
    expect(jsonProblems(models.kms, "EnableKey", json({ KeyId: "x" }))).toEqual(['EnableKey: {"KeyId":"x"} is not an empty object']);
  });
});

describe("awsQuery (STS, RDS)", () => {
  const identity = (inner: string) => `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>${inner}</GetCallerIdentityResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`;

  test("members, the result wrapper and the list item names", () => {
    expect(queryProblems(models.sts, "GetCallerIdentity", xml(identity("<UserId>AID</UserId><Account>123456789012</Account><Arn>arn:aws:iam::123456789012:user/a</Arn>")))).toEqual([]);
    expect(queryProblems(models.sts, "GetCallerIdentity", xml(identity("<UserId>AID</UserId><AccountId>123456789012</AccountId>")))).toEqual([
      "GetCallerIdentity.AccountId: not a member of GetCallerIdentityResponse in the model",
    ]);
    const clusters = (item: string) =>
      `<DescribeDBClustersResponse><DescribeDBClustersResult><DBClusters>${item}</DBClusters></DescribeDBClustersResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeDBClustersResponse>`;
    expect(queryProblems(models.rds, "DescribeDBClusters", xml(clusters("<DBCluster><Port>5432</Port><CopyTagsToSnapshot>true</CopyTagsToSnapshot></DBCluster>")))).toEqual([]);
    expect(queryProblems(models.rds, "DescribeDBClusters", xml(clusters("<member><Port>x</Port></member>")))).toEqual(["DescribeDBClusters.DBClusters.member: list items are <DBCluster> in the model"]);
    expect(queryProblems(models.rds, "DescribeDBClusters", xml(clusters("<DBCluster><Port>x</Port><ClusterCreateTime>yesterday</ClusterCreateTime></DBCluster>")))).toEqual([
      'DescribeDBClusters.DBClusters[0].Port: "x" is not a number',
      'DescribeDBClusters.DBClusters[0].ClusterCreateTime: "yesterday" is not an ISO 8601 date-time',
    ]);
  });

  test("required members (AssumeRole's Credentials) and malformed XML", () => {
    const assumed = `<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIA</AccessKeyId><SessionToken>t</SessionToken><Expiration>2026-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>`;
    expect(queryProblems(models.sts, "AssumeRole", xml(assumed))).toEqual(["AssumeRole.Credentials: required member SecretAccessKey is missing"]);
    expect(queryProblems(models.sts, "GetCallerIdentity", xml("<GetCallerIdentityResponse><GetCallerIdentityResult></GetCallerIdentityResponse>"))).toEqual([
      "GetCallerIdentity: mismatched </GetCallerIdentityResponse>",
    ]);
  });
});

describe("REST-XML (S3)", () => {
  const head = (headers: Record<string, string>): RawResponse => ({ status: 200, headers, body: Buffer.alloc(0) });

  test("headers bound to output members, their types and enums; unknown x-amz- headers", () => {
    const faithful = { "accept-ranges": "bytes", "content-length": "5", "last-modified": "Sun, 29 Nov 2026 16:00:00 GMT", "x-amz-server-side-encryption": "aws:kms", "x-amz-meta-owner": "acme", "x-amz-request-id": "r" };
    expect(restXmlProblems(models.s3, "HeadObject", head(faithful), "HEAD")).toEqual([]);
    const drifted = { ...faithful, "content-length": "five", "last-modified": "2026-11-29T16:00:00Z", "x-amz-server-side-encryption": "aws:rot13", "x-amz-colour": "blue" };
    expect(restXmlProblems(models.s3, "HeadObject", head(drifted), "HEAD")).toEqual([
      'HeadObject header content-length: "five" is not a number',
      'HeadObject header last-modified: "2026-11-29T16:00:00Z" is not an HTTP date',
      'HeadObject header x-amz-server-side-encryption: "aws:rot13" is not one of the model\'s values',
      "HeadObject header x-amz-colour: not a member of HeadObjectOutput in the model",
    ]);
  });

  test("XML bodies: the root element, flattened lists, payload structures", () => {
    const list = (inner: string) => xml(`<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult><Name>b</Name><KeyCount>1</KeyCount>${inner}</ListBucketResult>`);
    expect(restXmlProblems(models.s3, "ListObjectsV2", list("<Contents><Key>a</Key><Size>1</Size></Contents><Contents><Key>b</Key><Size>2</Size></Contents>"), "GET")).toEqual([]);
    expect(restXmlProblems(models.s3, "ListObjectsV2", list("<Contents><Key>a</Key><Size>1</Size><Colour>x</Colour></Contents><IsTruncated>no</IsTruncated>"), "GET")).toEqual([
      "ListObjectsV2.Contents[0].Colour: not a member of Object in the model",
      'ListObjectsV2.IsTruncated: "no" is not a boolean',
    ]);
    const encryption = (rule: string) => xml(`<ServerSideEncryptionConfiguration><Rule>${rule}</Rule></ServerSideEncryptionConfiguration>`);
    expect(restXmlProblems(models.s3, "GetBucketEncryption", encryption("<ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BlockedEncryptionTypes><EncryptionType>SSE-C</EncryptionType></BlockedEncryptionTypes>"), "GET")).toEqual([]);
    expect(restXmlProblems(models.s3, "GetBucketEncryption", encryption("<BlockedEncryptionTypes><EncryptionType>SSE-X</EncryptionType></BlockedEncryptionTypes>"), "GET")).toEqual([
      'GetBucketEncryption.ServerSideEncryptionConfiguration.Rule[0].BlockedEncryptionTypes.EncryptionType[0]: "SSE-X" is not one of the model\'s values',
    ]);
  });
});
