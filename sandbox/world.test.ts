/** The dispatcher: resolve, authorize every declared check once, then run; trail and commit around it. */
import { describe, expect, test } from "vitest";
import type { AccessCheck } from "./authorize";
import { ServiceError } from "./errors";
import { PLATFORM_ROLE_ARN, principalForAccessKey, roleByArn, rolePrincipal } from "./identities";
import { emptyState } from "./state";
import { type CallContext, type Service, World, invoke, operation } from "./world";

function context(accessKeyId: string): CallContext {
  if (accessKeyId === "platform-session") {
    const role = roleByArn(PLATFORM_ROLE_ARN);
    if (!role) throw new Error("fixture: no platform role");
    const session = { accessKeyId: "ASIATEST", sessionName: "byok-env-test", tags: { "byok-environment": "test" }, transitiveTagKeys: [] };
    return { principal: rolePrincipal(role, session), region: "eu-west-1", requestId: "req-1" };
  }
  const principal = principalForAccessKey(accessKeyId);
  if (!principal) throw new Error(`fixture: no principal ${accessKeyId}`);
  return { principal, region: "eu-west-1", requestId: "req-1" };
}

/** A service whose one operation records what ran, declaring the checks it is given. */
function recordingService(steps: string[], checks: () => AccessCheck[], trailEveryCall = false): Service {
  return {
    name: "test",
    accessDenied: { code: "AccessDenied", status: 403 },
    trailEveryCall,
    operations: {
      Touch: operation({
        resolve(input, _ctx, audit) {
          steps.push("resolve");
          if (input.missing === true) throw new ServiceError("NotFound", "nothing there", 404);
          audit.keyArn = "arn:aws:kms:eu-west-1:123456789012:key/resolved";
          return undefined;
        },
        access: checks,
        run() {
          steps.push("run");
          return { ok: true };
        },
      }),
    },
  };
}

describe("invoke", () => {
  test("an allowed call resolves, then runs", async () => {
    const steps: string[] = [];
    const world = new World(emptyState(), { rdsCreateDelayMs: 0 });
    const service = recordingService(steps, () => [{ action: "s3:GetObject", resource: "arn:aws:s3:::b/k" }]);
    expect(await invoke(world, service, "Touch", {}, context("platform-session"))).toEqual({ ok: true });
    expect(steps).toEqual(["resolve", "run"]);
  });

  test("a refused check stops the call before it runs, with the service's error and AWS's wording", async () => {
    const steps: string[] = [];
    const world = new World(emptyState(), { rdsCreateDelayMs: 0 });
    const service = recordingService(steps, () => [
      { action: "s3:GetObject", resource: "arn:aws:s3:::b/k" },
      { action: "ec2:RunInstances", resource: "*" },
    ], true);
    await expect(invoke(world, service, "Touch", {}, context("platform-session"))).rejects.toMatchObject({
      code: "AccessDenied",
      status: 403,
      message:
        "User: arn:aws:sts::210987654321:assumed-role/byok-platform/byok-env-test is not authorized to perform: ec2:RunInstances on resource: * because no identity-based policy allows the ec2:RunInstances action",
    });
    expect(steps).toEqual(["resolve"]);
    expect(world.trail.map((e) => [e.service, e.action, e.result, e.errorCode])).toEqual([["test", "Touch", "denied", "AccessDenied"]]);
  });

  test("a resource of another account without a resource policy is refused even to an administrator", async () => {
    const steps: string[] = [];
    const world = new World(emptyState(), { rdsCreateDelayMs: 0 });
    const service = recordingService(steps, () => [{ action: "s3:GetObject", resource: "arn:aws:s3:::b/k", ownerAccountId: "444455556666" }]);
    await expect(invoke(world, service, "Touch", {}, context("customer"))).rejects.toMatchObject({ code: "AccessDenied" });
    expect(steps).toEqual(["resolve"]);
  });

  test("lookup errors come before authorization; a key policy's refusal names its key in the trail", async () => {
    const steps: string[] = [];
    const world = new World(emptyState(), { rdsCreateDelayMs: 0 });
    const refusingKey = "arn:aws:kms:eu-west-1:123456789012:key/refusing";
    const service = recordingService(
      steps,
      () => [{ action: "kms:Decrypt", resource: refusingKey, keyPolicy: { document: { Statement: [] }, accountId: "123456789012", grantAllows: false } }],
      true,
    );
    await expect(invoke(world, service, "Touch", { missing: true }, context("customer"))).rejects.toMatchObject({ code: "NotFound" });
    await expect(invoke(world, service, "Touch", {}, context("customer"))).rejects.toMatchObject({ code: "AccessDenied" });
    expect(steps).toEqual(["resolve", "resolve"]);
    expect(world.trail.map((e) => [e.result, e.keyArn])).toEqual([
      ["error", ""],
      ["denied", refusingKey],
    ]);
  });

  test("only calls over the wire that changed the state wait for a commit", async () => {
    const committed: number[] = [];
    const world = new World(emptyState(), { rdsCreateDelayMs: 0, store: { commit: async (source) => void committed.push(source.generation) } });
    const service: Service = {
      name: "test",
      accessDenied: { code: "AccessDenied", status: 403 },
      operations: {
        Read: operation({ resolve: () => undefined, access: () => [], run: () => ({}) }),
        Write: operation({
          resolve: () => undefined,
          access: () => [],
          run() {
            world.changed();
            return {};
          },
        }),
      },
    };
    const ctx = context("customer");
    await invoke(world, service, "Read", {}, ctx, {});
    expect(committed).toEqual([]);
    await invoke(world, service, "Write", {}, ctx);
    expect(committed).toEqual([]);
    await invoke(world, service, "Write", {}, ctx, {});
    expect(committed).toEqual([2]);
  });
});
