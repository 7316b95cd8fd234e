/** Automatic key rotation: status, enable (with a period), disable. */
import { validationException } from "../../errors";
import { optNumber } from "../../input";
import type { Operation, Output, World } from "../../world";
import { keyOperation, keyUpdate } from "./access";
import { requireEnabledForRotation, requireNotPendingDeletion } from "./lookup";

export function rotationOperations(world: World): Record<string, Operation> {
  return {
    GetKeyRotationStatus: keyOperation(
      world,
      "GetKeyRotationStatus",
      (key) => {
        requireNotPendingDeletion(key);
        const out: Output = { KeyRotationEnabled: key.rotationEnabled, KeyId: key.arn };
        if (key.rotationEnabled) {
          const period = key.rotationPeriodInDays ?? 365;
          out.RotationPeriodInDays = period;
          out.NextRotationDate = new Date(Date.parse(key.creationDate) + period * 86_400_000);
        }
        return out;
      },
      { allowAlias: false },
    ),

    EnableKeyRotation: keyUpdate(world, "EnableKeyRotation", (key, input) => {
      requireEnabledForRotation(key);
      const period = optNumber(input, "RotationPeriodInDays") ?? 365;
      if (!Number.isInteger(period) || period < 90 || period > 2560) {
        throw validationException(`1 validation error detected: Value '${period}' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value between 90 and 2560`);
      }
      key.rotationEnabled = true;
      key.rotationPeriodInDays = period;
    }),

    DisableKeyRotation: keyUpdate(world, "DisableKeyRotation", (key) => {
      requireEnabledForRotation(key);
      key.rotationEnabled = false;
    }),
  };
}
