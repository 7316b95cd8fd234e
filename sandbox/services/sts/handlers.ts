import type { Service } from "../../world";

export function createStsService(): Service {
  return {
    name: "sts",
    handlers: {
      GetCallerIdentity(_input, ctx) {
        return { UserId: ctx.principal.userId, Account: ctx.principal.accountId, Arn: ctx.principal.arn };
      },
    },
  };
}
