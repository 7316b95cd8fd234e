import { runSimulation, runUnsafeSimulation } from "@cloud-copilot/iam-simulate";
import { createValidatedPolicy, validateResourcePolicy } from "@cloud-copilot/iam-policy";
const keyArn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const policy = { Version: "2012-10-17", Statement: [
 { Sid: "Enable IAM User Permissions", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" },
 { Sid: "AllowPlatformS3Use", Effect: "Allow", Principal: { AWS: "arn:aws:iam::210987654321:role/byok-platform" }, Action: ["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*"], Resource: "*",
   Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com", "aws:PrincipalAccount": "210987654321" }, StringLike: { "kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::stratus-abc-*", "arn:aws:s3:::stratus-abc-*/*"] } } },
]};
const vp = createValidatedPolicy(policy, validateResourcePolicy, { name: "KeyPolicy" });
console.log("errors", vp.errors);
const identity = [{ name: "platform", policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:*", Resource: "*" }] } }];
for (const bucket of ["arn:aws:s3:::stratus-abc-data/obj", "arn:aws:s3:::other-data/obj"]) {
 const sim = { request: { principal: "arn:aws:sts::210987654321:assumed-role/byok-platform/portal", action: "kms:GenerateDataKey", resource: { resource: keyArn, accountId: "123456789012" },
   contextVariables: { "kms:ViaService": "s3.eu-west-1.amazonaws.com", "aws:PrincipalAccount": "210987654321", "kms:EncryptionContext:aws:s3:arn": bucket } },
   identityPolicies: identity, serviceControlPolicies: [], resourceControlPolicies: [], resourcePolicy: vp };
 const r = await runSimulation(sim, {});
 console.log(bucket, r.resultType, r.overallResult, r.result?.ignoredContextKeys);
 console.log("unsafe", runUnsafeSimulation(sim, {}));
 
}
