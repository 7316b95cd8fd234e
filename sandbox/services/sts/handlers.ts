import { type Service, operation } from "../../world";

export function createStsService(): Service {
  return {
    name: "sts",
    accessDenied: { code: "AccessDenied", status: 403 },
    operations: {
      // GetCallerIdentity needs no permission: "No permissions are required to perform this operation" (STS API Reference).
      GetCallerIdentity: operation({
        resolve: () => undefined,
        access: () => [],
        run: (_none, _input, ctx) => ({ UserId: ctx.principal.userId, Account: ctx.principal.accountId, Arn: ctx.principal.arn }),
      }),
    },
  };
}
