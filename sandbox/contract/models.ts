/** The models of the services the portal and the commands it shows use, and the assertion the contract tests make. */
import * as cloudformationClient from "@aws-sdk/client-cloudformation";
import * as kmsClient from "@aws-sdk/client-kms";
import * as rdsClient from "@aws-sdk/client-rds";
import * as s3Client from "@aws-sdk/client-s3";
import * as stsClient from "@aws-sdk/client-sts";
import { expect } from "vitest";
import type { RecordingHandler } from "./recording";
import { type ServiceModel, loadServiceModel } from "./sdk-models";
import { jsonProblems, queryProblems, restXmlProblems } from "./shape-check";

export const models = {
  kms: loadServiceModel("@aws-sdk/client-kms", kmsClient),
  s3: loadServiceModel("@aws-sdk/client-s3", s3Client),
  rds: loadServiceModel("@aws-sdk/client-rds", rdsClient),
  sts: loadServiceModel("@aws-sdk/client-sts", stsClient),
  cloudformation: loadServiceModel("@aws-sdk/client-cloudformation", cloudformationClient),
} satisfies Record<string, ServiceModel>;

const PROTOCOL = { kms: "json", s3: "rest-xml", rds: "query", sts: "query", cloudformation: "query" } as const;

/**
 * Makes one SDK call, then holds its raw answer against the operation's output shape in the
 * SDK's model; fails listing every difference. Returns the SDK's own result.
 */
export async function expectContract<T>(handler: RecordingHandler, service: keyof typeof models, operation: string, call: () => Promise<T>): Promise<T> {
  const { raw, result } = await handler.capture(call);
  const model = models[service];
  const protocol = PROTOCOL[service];
  const problems =
    protocol === "json" ? jsonProblems(model, operation, raw) : protocol === "query" ? queryProblems(model, operation, raw) : restXmlProblems(model, operation, raw, raw.method);
  expect(problems, `${service} ${operation} differs from ${model.packageName}'s model`).toEqual([]);
  return result;
}
