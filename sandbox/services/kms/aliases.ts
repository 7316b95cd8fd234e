/** Aliases: create, point at another key, delete, list. An alias lives in its key's account and region. */
import { ServiceError, validationException } from "../../errors";
import { optString, reqString } from "../../input";
import { type Operation, type World, operation } from "../../world";
import { identityAccess, keyAccess } from "./access";
import { aliasNotFound, callerRegion, namedKey, regionState, requireNotPendingDeletion, resolveKey } from "./lookup";
import type { KmsAlias } from "./model";

const ALIAS_NAME = /^alias\/[a-zA-Z0-9/_-]+$/;

function validateAliasName(aliasName: string): void {
  if (aliasName.startsWith("alias/aws/")) {
    throw new ServiceError("NotAuthorizedException", "Cannot create alias with prefix 'alias/aws/'", 400);
  }
  if (!ALIAS_NAME.test(aliasName) || aliasName.length > 256) {
    throw validationException(`1 validation error detected: Value '${aliasName}' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^alias/[a-zA-Z0-9/_-]+$`);
  }
}

export function aliasOperations(world: World): Record<string, Operation> {
  return {
    CreateAlias: operation({
      resolve(input, ctx, audit) {
        const aliasName = reqString(input, "AliasName");
        validateAliasName(aliasName);
        return { aliasName, key: namedKey(world, input, ctx, audit, "CreateAlias", { field: "TargetKeyId", allowAlias: false }) };
      },
      access: ({ key }, ctx) => [keyAccess(world, ctx, key, "CreateAlias")],
      run({ aliasName, key }, _input, ctx) {
        requireNotPendingDeletion(key);
        const rs = regionState(world, ctx.principal.accountId, ctx.region);
        if (rs.aliases[aliasName]) {
          throw new ServiceError("AlreadyExistsException", `An alias with the name arn:aws:kms:${ctx.region}:${ctx.principal.accountId}:${aliasName} already exists`, 400);
        }
        const now = world.now().toISOString();
        rs.aliases[aliasName] = { aliasName, targetKeyId: key.keyId, creationDate: now, lastUpdatedDate: now };
        world.changed();
        return {};
      },
    }),

    UpdateAlias: operation({
      resolve(input, ctx, audit) {
        const aliasName = reqString(input, "AliasName");
        const alias = regionState(world, ctx.principal.accountId, ctx.region).aliases[aliasName];
        if (!alias) throw aliasNotFound(ctx, aliasName);
        return { alias, key: namedKey(world, input, ctx, audit, "UpdateAlias", { field: "TargetKeyId", allowAlias: false }) };
      },
      access: ({ key }, ctx) => [keyAccess(world, ctx, key, "UpdateAlias")],
      run({ alias, key }) {
        requireNotPendingDeletion(key);
        alias.targetKeyId = key.keyId;
        alias.lastUpdatedDate = world.now().toISOString();
        world.changed();
        return {};
      },
    }),

    DeleteAlias: operation({
      resolve(input, ctx, audit) {
        const aliasName = reqString(input, "AliasName");
        const rs = regionState(world, ctx.principal.accountId, ctx.region);
        const alias = rs.aliases[aliasName];
        if (!alias) throw aliasNotFound(ctx, aliasName);
        const key = rs.keys[alias.targetKeyId];
        if (key) audit.keyArn = key.arn;
        return { aliasName, rs, key };
      },
      // An alias whose key is gone can be deleted without a key policy to ask.
      access: ({ key }, ctx) => (key ? [keyAccess(world, ctx, key, "DeleteAlias")] : []),
      run({ aliasName, rs }) {
        delete rs.aliases[aliasName];
        world.changed();
        return {};
      },
    }),

    ListAliases: operation({
      resolve: () => undefined,
      access: (_none, ctx) => [identityAccess(ctx, "ListAliases")],
      run(_none, input, ctx) {
        const rs = callerRegion(world, ctx);
        const filter = optString(input, "KeyId");
        const filterKey = filter === undefined ? undefined : resolveKey(world, ctx, filter, "ListAliases", false);
        const aliases = Object.values(rs.aliases)
          .filter((a) => filterKey === undefined || a.targetKeyId === filterKey.keyId)
          .sort((a, b) => a.aliasName.localeCompare(b.aliasName))
          .map((a: KmsAlias) => ({
            AliasName: a.aliasName,
            AliasArn: `arn:aws:kms:${ctx.region}:${ctx.principal.accountId}:${a.aliasName}`,
            TargetKeyId: a.targetKeyId,
            CreationDate: new Date(a.creationDate),
            LastUpdatedDate: new Date(a.lastUpdatedDate),
          }));
        return { Aliases: aliases, Truncated: false };
      },
    }),
  };
}
