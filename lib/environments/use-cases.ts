import "server-only";
import { auditExportQuerySchema } from "@/lib/audit/export-response";
import type { CustomerCaller } from "@/lib/auth/caller";
import { env } from "@/lib/env";
import { defineUseCase } from "@/lib/pipeline/use-case";
import { exportOwnAuditLog } from "./audit-log";
import { changeKeyArns, changeRoleKey } from "./change-key-arns";
import { deleteEnvironment } from "./delete-environment";
import {
  acknowledgeKeyInstructions,
  chooseEncryption,
  createEnvironmentDraft,
  provideKeyArns,
  updateDraftBasics,
} from "./draft";
import { keyTemplate } from "./key-template";
import { getProvisioningStatus } from "./provisioning-status";
import { chooseKeyAccess, provideRoleKey } from "./role-access";
import { basicsSchema, encryptionSchema, environmentRefSchema, keyAccessSchema, keyArnsSubmissionSchema, roleKeySubmissionSchema, type EnvironmentRef } from "./schemas";
import { retryProvisioning, submitEnvironment } from "./submit-environment";

/**
 * The customer admin's use cases, as server actions and route handlers run them (lib/pipeline):
 * who may run each, the schema of its raw input, and the service that does it.
 */

const basics = () => basicsSchema(env().supportedRegions);

/** A use case about one of the caller's environments, named by its id alone. */
function aboutEnvironment<O>(name: string, run: (caller: CustomerCaller, input: EnvironmentRef) => Promise<O>) {
  return defineUseCase({ name, access: "customer", input: environmentRefSchema, run });
}

export const createDraftUseCase = defineUseCase({ name: "environment.draft.create", access: "customer", input: basics, run: createEnvironmentDraft });

export const updateBasicsUseCase = defineUseCase({
  name: "environment.draft.update-basics",
  access: "customer",
  input: () => basics().extend(environmentRefSchema.shape),
  run: updateDraftBasics,
});

export const chooseEncryptionUseCase = defineUseCase({
  name: "environment.draft.choose-encryption",
  access: "customer",
  input: encryptionSchema.extend(environmentRefSchema.shape),
  run: chooseEncryption,
});

export const chooseKeyAccessUseCase = defineUseCase({
  name: "environment.draft.choose-key-access",
  access: "customer",
  input: keyAccessSchema.extend(environmentRefSchema.shape),
  run: chooseKeyAccess,
});

/** Role mode's key-ARN step: the role and the key, checked live through the role. */
export const provideRoleKeyUseCase = defineUseCase({
  name: "environment.draft.provide-role-key",
  access: "customer",
  input: roleKeySubmissionSchema,
  run: provideRoleKey,
});

export const acknowledgeKeysUseCase = aboutEnvironment("environment.draft.acknowledge-keys", acknowledgeKeyInstructions);

export const provideKeyArnsUseCase = defineUseCase({
  name: "environment.draft.provide-key-arns",
  access: "customer",
  input: keyArnsSubmissionSchema,
  run: provideKeyArns,
});

/** A failed customer-managed environment gets other keys, checked as in the wizard (audited by the service). */
export const changeKeyArnsUseCase = defineUseCase({
  name: "environment.change-key-arns",
  access: "customer",
  input: keyArnsSubmissionSchema,
  run: changeKeyArns,
});

/** A failed role-mode environment gets another role, key or log forwarding, checked as in the wizard. */
export const changeRoleKeyUseCase = defineUseCase({
  name: "environment.change-role-key",
  access: "customer",
  input: roleKeySubmissionSchema,
  run: changeRoleKey,
});

/** A draft or failed environment leaves the customer's pages; its AWS resources are removed (audited by the service). */
export const deleteEnvironmentUseCase = aboutEnvironment("environment.delete", deleteEnvironment);

export const submitEnvironmentUseCase = aboutEnvironment("environment.submit", submitEnvironment);

export const retryProvisioningUseCase = aboutEnvironment("environment.retry-provisioning", retryProvisioning);

export const provisioningStatusUseCase = aboutEnvironment("environment.provisioning-status", getProvisioningStatus);

/** The template download changes nothing, so the pipeline records its audit event. */
export const keyTemplateUseCase = defineUseCase({
  ...aboutEnvironment("environment.key-template", keyTemplate),
  audit: (caller, _input, template) => ({
    organizationId: caller.organizationId,
    environmentId: template.environmentId,
    actor: { type: "user", userId: caller.userId },
    action: "environment.template.downloaded",
    ipAddress: caller.ipAddress,
  }),
});

export const exportAuditLogUseCase = defineUseCase({
  name: "organization.export-audit-log",
  access: "customer",
  input: auditExportQuerySchema,
  run: (caller) => exportOwnAuditLog(caller),
});
