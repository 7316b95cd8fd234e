/** Grants: create (idempotent by name), list, revoke, retire; and the retirement AWS services do themselves. */
import { randomBytes } from "node:crypto";
import type { ContextValue } from "../../../lib/iam/types";
import { ServiceError, validationException } from "../../errors";
import { type Input, optObject, optString, optStringList, optStringMap, reqString } from "../../input";
import { type CallContext, type Operation, type Output, type World, operation } from "../../world";
import { GRANT_OPERATIONS, grantForAwsResource, keyAccess } from "./access";
import { KEY_ARN, findKey, namedKey, notFound, requireNotPendingDeletion, resolveKey } from "./lookup";
import type { GrantConstraints, KmsGrant, KmsKey } from "./model";

function readConstraints(input: Input): GrantConstraints | undefined {
  const constraintsInput = optObject(input, "Constraints");
  if (!constraintsInput) return undefined;
  const constraints: GrantConstraints = {};
  const subset = optStringMap(constraintsInput, "EncryptionContextSubset");
  const equals = optStringMap(constraintsInput, "EncryptionContextEquals");
  if (subset) constraints.EncryptionContextSubset = subset;
  if (equals) constraints.EncryptionContextEquals = equals;
  return constraints;
}

function describeGrant(key: KmsKey, g: KmsGrant): Output {
  const out: Output = {
    KeyId: key.arn,
    GrantId: g.grantId,
    CreationDate: new Date(g.creationDate),
    GranteePrincipal: g.granteePrincipal,
    IssuingAccount: g.issuingAccount,
    Operations: g.operations,
  };
  if (g.name !== undefined) out.Name = g.name;
  if (g.retiringPrincipal !== undefined) out.RetiringPrincipal = g.retiringPrincipal;
  if (g.constraints !== undefined) out.Constraints = g.constraints;
  return out;
}

/** The grant a token names, in any account and region (tokens are global). */
function grantByToken(world: World, token: string): { key: KmsKey; grant: KmsGrant } | undefined {
  for (const regions of Object.values(world.state.kms)) {
    for (const rs of Object.values(regions)) {
      for (const key of Object.values(rs.keys)) {
        const grant = key.grants.find((g) => g.grantToken === token);
        if (grant) return { key, grant };
      }
    }
  }
  return undefined;
}

/**
 * Who may retire a grant (KMS Developer Guide, "Retiring and revoking grants"): its retiring
 * principal, its grantee when the grant allows RetireGrant, or its issuing account. This is
 * the grant's own rule, not a policy decision, so RetireGrant declares no IAM check.
 */
function mayRetire(ctx: CallContext, grant: KmsGrant): boolean {
  const p = ctx.principal;
  return (
    grant.retiringPrincipal === p.arn ||
    grant.retiringPrincipal === p.roleArn ||
    ((grant.granteePrincipal === p.arn || grant.granteePrincipal === p.roleArn) && grant.operations.includes("RetireGrant")) ||
    grant.issuingAccount === `arn:aws:iam::${p.accountId}:root`
  );
}

export function grantOperations(world: World): Record<string, Operation> {
  return {
    CreateGrant: operation({
      resolve(input, ctx, audit) {
        const key = namedKey(world, input, ctx, audit, "CreateGrant");
        const grantee = reqString(input, "GranteePrincipal");
        const operations = optStringList(input, "Operations") ?? [];
        if (operations.length === 0) throw validationException("1 validation error detected: Value null at 'operations' failed to satisfy constraint: Member must not be null");
        for (const op of operations) {
          if (!GRANT_OPERATIONS.has(op)) throw validationException(`1 validation error detected: Value '[${operations.join(", ")}]' at 'operations' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set]`);
        }
        const retiring = optString(input, "RetiringPrincipal");
        const constraints = readConstraints(input);
        const extra: Record<string, ContextValue> = { "kms:GrantOperations": operations, "kms:GranteePrincipal": grantee, ...grantForAwsResource(ctx) };
        if (retiring) extra["kms:RetiringPrincipal"] = retiring;
        for (const [k, v] of Object.entries(constraints?.EncryptionContextEquals ?? constraints?.EncryptionContextSubset ?? {})) {
          extra[`kms:EncryptionContext:${k}`] = v;
        }
        return { key, grantee, operations, retiring, constraints, extra };
      },
      access: ({ key, extra }, ctx) => [keyAccess(world, ctx, key, "CreateGrant", { extra })],
      run({ key, grantee, operations, retiring, constraints }, input, ctx) {
        requireNotPendingDeletion(key);
        const name = optString(input, "Name");
        // The same named grant again returns the existing one (KMS Developer Guide, "Grant tokens").
        const sameGrant =
          name === undefined
            ? undefined
            : key.grants.find((g) => g.name === name && g.granteePrincipal === grantee && g.operations.join() === operations.join() && JSON.stringify(g.constraints) === JSON.stringify(constraints));
        if (sameGrant) return { GrantId: sameGrant.grantId, GrantToken: sameGrant.grantToken };
        const grant: KmsGrant = {
          grantId: randomBytes(32).toString("hex"),
          grantToken: randomBytes(48).toString("base64url"),
          granteePrincipal: grantee,
          issuingAccount: `arn:aws:iam::${ctx.principal.accountId}:root`,
          operations,
          creationDate: world.now().toISOString(),
        };
        if (name !== undefined) grant.name = name;
        if (retiring) grant.retiringPrincipal = retiring;
        if (constraints) grant.constraints = constraints;
        key.grants.push(grant);
        world.changed();
        return { GrantId: grant.grantId, GrantToken: grant.grantToken };
      },
    }),

    ListGrants: operation({
      resolve: (input, ctx, audit) => namedKey(world, input, ctx, audit, "ListGrants"),
      access: (key, ctx) => [keyAccess(world, ctx, key, "ListGrants", { extra: grantForAwsResource(ctx) })],
      run(key, input) {
        const grantId = optString(input, "GrantId");
        const grantee = optString(input, "GranteePrincipal");
        const grants = key.grants
          .filter((g) => (grantId === undefined || g.grantId === grantId) && (grantee === undefined || g.granteePrincipal === grantee))
          .map((g) => describeGrant(key, g));
        return { Grants: grants, Truncated: false };
      },
    }),

    RevokeGrant: operation({
      resolve: (input, ctx, audit) => namedKey(world, input, ctx, audit, "RevokeGrant"),
      access: (key, ctx) => [keyAccess(world, ctx, key, "RevokeGrant", { extra: grantForAwsResource(ctx) })],
      run(key, input) {
        const grantId = reqString(input, "GrantId");
        const index = key.grants.findIndex((g) => g.grantId === grantId);
        if (index < 0) throw notFound(`Grant ID ${grantId} not found`);
        key.grants.splice(index, 1);
        world.changed();
        return {};
      },
    }),

    RetireGrant: operation({
      resolve(input, ctx, audit) {
        const token = optString(input, "GrantToken");
        const grantId = optString(input, "GrantId");
        const keyIdInput = optString(input, "KeyId");
        let found: { key: KmsKey; grant: KmsGrant } | undefined;
        if (token !== undefined) {
          found = grantByToken(world, token);
          if (!found) throw new ServiceError("InvalidGrantTokenException", "The grant token is invalid.", 400);
        } else {
          if (keyIdInput === undefined || grantId === undefined) throw validationException("Specify a GrantToken, or a KeyId and a GrantId.");
          const key = resolveKey(world, ctx, keyIdInput, "RetireGrant");
          const grant = key.grants.find((g) => g.grantId === grantId);
          if (!grant) throw notFound(`Grant ID ${grantId} not found`);
          found = { key, grant };
        }
        audit.keyArn = found.key.arn;
        if (!mayRetire(ctx, found.grant)) {
          throw new ServiceError("AccessDeniedException", `User: ${ctx.principal.arn} is not authorized to perform: kms:RetireGrant on resource: ${found.key.arn}`, 400);
        }
        return found;
      },
      access: () => [],
      run({ key, grant }) {
        key.grants = key.grants.filter((g) => g !== grant);
        world.changed();
        return {};
      },
    }),
  };
}

/** An AWS service retiring the grant it holds (it is the grant's retiring principal). */
export function retireGrantAsService(world: World, arn: string, grantId: string): void {
  const m = KEY_ARN.exec(arn);
  if (!m) return;
  const key = findKey(world, m[3] ?? "", m[2] ?? "", m[4] ?? "");
  if (!key) return;
  key.grants = key.grants.filter((g) => g.grantId !== grantId);
  world.changed();
}
